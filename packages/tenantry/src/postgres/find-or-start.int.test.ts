// The wire-protocol probe behind findOrStartPostgres, against the suite's real server (which
// may trust its clients) and against an embedded one, which asks for a password before it
// looks at the database.
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

describe('postgresAnswers against a server that asks for a password', () => {
  it('logs in before it says yes: a missing database, a wrong password or an unknown role is a no', async () => {
    const embedded = await findOrStartPostgres({ embedded: { dataDir: 'temporary' } });
    try {
      expect(embedded.kind).toBe('embedded');
      const url = new URL(embedded.adminUrl);
      expect(url.password, 'the embedded admin URL carries a password').not.toBe('');
      expect(await postgresAnswers(url.toString())).toBe(true);
      expect(await postgresAnswers(Object.assign(new URL(url), { pathname: '/tenantry_no_such_database' }).toString())).toBe(false);
      expect(await postgresAnswers(Object.assign(new URL(url), { password: 'not-the-password' }).toString())).toBe(false);
      expect(await postgresAnswers(Object.assign(new URL(url), { username: 'no_such_role' }).toString())).toBe(false);
    } finally {
      await embedded.stop();
    }
  }, 120_000);
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
