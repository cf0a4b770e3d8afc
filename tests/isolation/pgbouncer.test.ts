// Property 1 through PgBouncer in transaction mode (Debian's 1.18, which does not track
// prepared statements), with more tenants than server connections. The tenant handle used to
// send named prepared statements (the gate, BEGIN) even with `preparedStatements: 'off'`: one
// client's named statement on a shared server connection then failed the next client with
// 42P05 "already exists" (or 26000 "does not exist"), and most requests answered 500.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createTenantDatabase, DEFAULT_ROLE_NAMES, type SqlPool } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { pgbouncerSkipReason, pgbouncerVersion, startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import { crudInput, runCrudInput } from './crud-property.js';
import { createAppSchema, tenantIds } from './isolation-fixtures.js';

const TENANTS = 16;
const SERVER_CONNECTIONS = 2;
let t: TestTenantry;
let tenants: TenantId[];
let bouncer: RunningPgBouncer;
let pool: SqlPool;

describe.skipIf(pgbouncerSkipReason !== '')(`through PgBouncer in transaction mode, ${SERVER_CONNECTIONS} server connections${pgbouncerSkipReason}`, () => {
  beforeAll(async () => {
    const passwords = inject('rolePasswords');
    t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: passwords, tenants: TENANTS });
    tenants = tenantIds(t);
    await createAppSchema(t);
    bouncer = await startPgBouncer({ serverUrl: t.url, poolSize: SERVER_CONNECTIONS, users: { [DEFAULT_ROLE_NAMES.app]: passwords.app } });
    // Eight clients on two server connections: every statement may land on a connection
    // another client (and tenant) used a moment before.
    pool = pgPool({ connectionString: bouncer.through(t.appUrl), max: 8 }, { preparedStatements: 'off' });
  });
  afterAll(async () => {
    await pool?.end();
    await bouncer?.stop();
    await t?.close();
  });

  it('shows and changes each tenant exactly its own rows under concurrent scopes and transactions', async () => {
    const db = createTenantDatabase({ pool });
    // The same suite as crud-interleavings, with the tenant handle going through PgBouncer
    // (the fixture's checks and clean-up still use the admin pool, directly).
    const through: TestTenantry = { ...t, app: pool, db };
    await fc.assert(
      fc.asyncProperty(crudInput(TENANTS), (input) => runCrudInput(through, tenants, input)),
      { numRuns: 8 },
    );
  });

  it('runs many tenants at once on the two server connections without a prepared-statement error', async () => {
    const db = createTenantDatabase({ pool });
    const reads = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => {
        const id = tenants[i % TENANTS] as TenantId;
        return i % 3 === 0
          ? db.transaction(id, async (tx) => (await tx.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE label <> $1', ['x'])).rows[0])
          : db.withTenant(id, async (scope) => (await scope.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE label <> $1', ['x'])).rows[0]);
      }),
    );
    expect(reads.filter((r) => r.status === 'rejected').map((r) => String((r).reason))).toEqual([]);
  });
});

// PgBouncer 1.21 and later track named prepared statements in transaction mode when
// max_prepared_statements is set: the default 'auto' (named statements, the preamble's too)
// must then work through it unchanged.
const version = pgbouncerVersion();
const tracksStatements = version !== undefined && (version[0] > 1 || version[1] >= 21);
const trackingSkipReason = tracksStatements ? '' : ` (SKIPPED: needs PgBouncer >= 1.21, found ${version ? version.join('.') : 'none'})`;

describe.skipIf(!tracksStatements)(`through PgBouncer >= 1.21 with max_prepared_statements, preparedStatements 'auto'${trackingSkipReason}`, () => {
  let tracked: TestTenantry;
  let trackedBouncer: RunningPgBouncer;
  let trackedPool: SqlPool;
  beforeAll(async () => {
    const passwords = inject('rolePasswords');
    tracked = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: passwords, tenants: TENANTS });
    await createAppSchema(tracked);
    trackedBouncer = await startPgBouncer({
      serverUrl: tracked.url, poolSize: SERVER_CONNECTIONS, users: { [DEFAULT_ROLE_NAMES.app]: passwords.app }, settings: { max_prepared_statements: 200 },
    });
    trackedPool = pgPool({ connectionString: trackedBouncer.through(tracked.appUrl), max: 8 });
  });
  afterAll(async () => {
    await trackedPool?.end();
    await trackedBouncer?.stop();
    await tracked?.close();
  });

  it('shows and changes each tenant exactly its own rows under concurrent scopes and transactions', async () => {
    const through: TestTenantry = { ...tracked, app: trackedPool, db: createTenantDatabase({ pool: trackedPool }) };
    await fc.assert(fc.asyncProperty(crudInput(TENANTS), (input) => runCrudInput(through, tenantIds(tracked), input)), { numRuns: 8 });
  });
});
