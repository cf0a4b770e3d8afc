// The wire-protocol probe behind findOrStartPostgres, against the suite's real server. Starting
// the embedded server is covered where it is used (the CLI's start-embedded e2e test).
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../testing/index.js';
import { describePostgresUrl, findOrStartPostgres, postgresAnswers } from './embedded.js';

const adminUrl = inject('adminUrl');
const withDatabase = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

describe('postgresAnswers', () => {
  it('says yes for a server that accepts the user and database', async () => {
    expect(await postgresAnswers(adminUrl)).toBe(true);
  });

  it('says no for a database the server does not have, a closed port and a malformed URL', async () => {
    expect(await postgresAnswers(withDatabase('tenantry_no_such_database'))).toBe(false);
    expect(await postgresAnswers(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`)).toBe(false);
    expect(await postgresAnswers('not a url')).toBe(false);
  });
});

describe('findOrStartPostgres', () => {
  it('uses a URL that answers, asking first when told to', async () => {
    const found = await findOrStartPostgres({ url: adminUrl, whenUrlGiven: 'use-if-answers' });
    expect(found).toMatchObject({ kind: 'external', adminUrl, location: describePostgresUrl(adminUrl) });
    expect(found.location).not.toContain('@');
    await found.stop();
  });

  it('uses a configured URL as given, answering or not (a server never falls back)', async () => {
    const dead = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    expect(await findOrStartPostgres({ url: dead })).toMatchObject({ kind: 'external', adminUrl: dead });
  });
});
