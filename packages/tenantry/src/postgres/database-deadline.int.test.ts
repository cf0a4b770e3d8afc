// Bug (issue 14): database work had no client-side deadline; with the server frozen, requests that
// held a connection waited as long as the freeze (25 s). Now every statement and every wait for
// a pooled connection inside withDatabaseDeadline ends by the deadline with DATABASE_TIMEOUT.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { withDatabaseDeadline } from './database-deadline.js';
import { pgPool } from './drivers/pg.js';
import { isolateTable } from './isolate-table.js';
import { createTenantDatabase } from './tenant-database.js';

let t: TestTenantry;
let a: TenantId;
const count = async () => (await t.db.withTenant(a, (s) => s.query<{ n: number }>('SELECT count(*)::int AS n FROM deadline_notes'))).rows[0]?.n;

beforeAll(async () => {
  // One app connection: a timed-out connection must be replaced, not handed on.
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, appPoolSize: 1 });
  [a] = t.tenants.map((x) => x.id) as [TenantId];
  await t.admin.query(`CREATE TABLE deadline_notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('deadline_notes', { admin: t.admin });
});
afterAll(() => t?.close());

describe('withDatabaseDeadline', () => {
  it('abandons a statement still running at the deadline with DATABASE_TIMEOUT, and the pool serves the next scope', async () => {
    const err = await errorOf(withDatabaseDeadline(200, () => t.db.withTenant(a, (s) => s.query('SELECT pg_sleep(30)'))));
    expect(isTenantryError(err, 'DATABASE_TIMEOUT')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ deadlineMs: 200 });
    expect(await count()).toBe(0);
  });

  it('ends a write waiting for a lock another connection holds, and commits nothing of its transaction', async () => {
    const holder = await t.admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE deadline_notes IN ACCESS EXCLUSIVE MODE');
      const err = await errorOf(withDatabaseDeadline(300, () => t.db.transaction(a, async (tx) => {
        await tx.query('SELECT 1');
        await tx.query(`INSERT INTO deadline_notes (body) VALUES ('late')`);
      })));
      expect(isTenantryError(err, 'DATABASE_TIMEOUT')).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await count()).toBe(0);
  });

  it('bounds the wait for a pooled connection, and a connection handed over after the deadline goes back to the pool', async () => {
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => { letGo = resolve; });
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => { holding = resolve; });
    const holder = t.db.withTenant(a, async (s) => {
      await s.query('SELECT 1');
      holding();
      await held;
    });
    await isHolding;
    const err = await errorOf(withDatabaseDeadline(200, () => t.db.withTenant(a, (s) => s.query('SELECT 1'))));
    expect(isTenantryError(err, 'DATABASE_TIMEOUT')).toBe(true);
    letGo();
    await holder;
    expect(await count()).toBe(0);
  });

  // Bug (F3): the transaction counted as open before BEGIN and the gate were sent, so a first
  // statement refused at a deadline already passed left the later ones to run without them, in
  // autocommit: here an insert into a table without RLS that survived the rollback.
  it('a transaction whose first statement missed its deadline before sending runs later statements inside BEGIN and the gate, and commits none of them', async () => {
    await t.admin.query('CREATE TABLE deadline_unscoped (id int PRIMARY KEY)');
    await t.admin.query('GRANT SELECT, INSERT ON deadline_unscoped TO tenantry_app');
    let tenantInForce: unknown;
    const err = await errorOf(t.db.transaction(a, async (tx) => {
      const missed = await errorOf(withDatabaseDeadline(0, () => tx.query('SELECT 1')));
      expect(isTenantryError(missed, 'DATABASE_TIMEOUT')).toBe(true);
      tenantInForce = (await tx.query<{ tenant: string }>(`SELECT current_setting('app.tenant_id', true) AS tenant`)).rows[0]?.tenant;
      await tx.query('INSERT INTO deadline_unscoped VALUES (1)');
    }));
    expect(isTenantryError(err, 'DATABASE_TIMEOUT')).toBe(true);
    expect(tenantInForce).toBe(a);
    expect((await t.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM deadline_unscoped')).rows[0]?.n).toBe(0);
  });

  it('keeps the sooner of two nested deadlines', async () => {
    const err = await errorOf(withDatabaseDeadline(200, () => withDatabaseDeadline(60_000, () => t.db.withTenant(a, (s) => s.query('SELECT pg_sleep(30)')))));
    expect((err as { details?: unknown }).details).toEqual({ deadlineMs: 200 });
  });
});

describe('the pool statementTimeoutMs option', () => {
  it('abandons a statement without a deadline in context', async () => {
    const pool = pgPool({ connectionString: t.appUrl, max: 1 }, { statementTimeoutMs: 200 });
    try {
      const db = createTenantDatabase({ pool });
      const err = await errorOf(db.withTenant(a, (s) => s.query('SELECT pg_sleep(30)')));
      expect(isTenantryError(err, 'DATABASE_TIMEOUT')).toBe(true);
      expect((err as { details: unknown }).details).toEqual({ deadlineMs: 200 });
      // A longer context deadline does not lift the pool's own, and the error names the one that bound.
      const within = await errorOf(withDatabaseDeadline(60_000, () => db.withTenant(a, (s) => s.query('SELECT pg_sleep(30)'))));
      expect((within as { details: unknown }).details).toEqual({ deadlineMs: 200 });
      const { rows } = await db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'));
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
