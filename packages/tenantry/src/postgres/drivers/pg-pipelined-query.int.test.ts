// Bug: when a connection's first pipeline fails (refused tenant, failing statement), the driver forgets prepared
// statements the server still holds; their next Parse fails with 42P05 and the pooled connection stays broken.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { newTenantId, type TenantId } from '../../core/index.js';
import { codeOfError, createTestTenantry, errorOf, type TestTenantry } from '../../testing/index.js';
import { createTenantDatabase, type TenantDatabase } from '../tenant-database.js';
import type { SqlPool } from '../sql-client.js';
import { pgPool } from './pg.js';

let t: TestTenantry;
let a: TenantId;
const pools: SqlPool[] = [];

/** A tenant database over a pool of one brand-new connection. */
function freshConnection(): TenantDatabase {
  const pool = pgPool({ connectionString: t.appUrl, max: 1 });
  pools.push(pool);
  return createTenantDatabase({ pool });
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
  [a] = t.tenants.map((x) => x.id) as [TenantId];
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});
afterAll(() => t?.close());

describe('a connection whose first pipeline failed', () => {
  it('serves the next tenant after its first statement met an unknown tenant', async () => {
    const db = freshConnection();
    expect(codeOfError(await errorOf(db.withTenant(newTenantId(), (s) => s.query('SELECT 1'))))).toBe('TENANT_NOT_FOUND');
    const { rows } = await db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('serves the next transaction after its first transaction met an unknown tenant', async () => {
    const db = freshConnection();
    expect(codeOfError(await errorOf(db.transaction(newTenantId(), (tx) => tx.query('SELECT 1'))))).toBe('TENANT_NOT_FOUND');
    const { rows } = await db.transaction(a, (tx) => tx.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('serves the next statement after its first statement failed', async () => {
    const db = freshConnection();
    expect(await errorOf(db.withTenant(a, (s) => s.query('SELECT 1 / 0')))).toBeDefined();
    const { rows } = await db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('runs a parameterized statement again after its first run failed on a bad value', async () => {
    const db = freshConnection();
    const text = 'SELECT $1::int AS n';
    expect(codeOfError(await errorOf(db.withTenant(a, (s) => s.query(text, ['not a number']))))).toBe('VALUE_INVALID');
    const { rows } = await db.withTenant(a, (s) => s.query<{ n: number }>(text, [7]));
    expect(rows).toEqual([{ n: 7 }]);
  });
});

describe('a connection that already ran statements', () => {
  it('keeps serving after a refused tenant', async () => {
    const db = freshConnection();
    await db.withTenant(a, (s) => s.query('SELECT 1'));
    expect(codeOfError(await errorOf(db.withTenant(newTenantId(), (s) => s.query('SELECT 1'))))).toBe('TENANT_NOT_FOUND');
    const { rows } = await db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });
});

// Bug: `preparedStatements: 'off'` still sent the gate and BEGIN as named statements, which a
// pooler in transaction mode (PgBouncer < 1.21) hands to other clients: 42P05 / 26000.
describe("preparedStatements: 'off'", () => {
  it('leaves no prepared statement on the connection: not the gate, not BEGIN, not the statement', async () => {
    const pool = pgPool({ connectionString: t.appUrl, max: 1 }, { preparedStatements: 'off' });
    pools.push(pool);
    const db = createTenantDatabase({ pool });
    await db.withTenant(a, (s) => s.query('SELECT $1::int AS one', [1]));
    await db.transaction(a, async (tx) => {
      await tx.query('SELECT $1::int AS one', [1]);
      await tx.query('SELECT 2 AS two');
    });
    // The same (only) connection: what this session has prepared (the guard refuses catalogs).
    const unguarded = createTenantDatabase({ pool, sqlGuard: 'off' });
    const { rows } = await unguarded.withTenant(a, (s) => s.query<{ name: string }>('SELECT name FROM pg_prepared_statements'));
    expect(rows).toEqual([]);
  });
});
