// The tenant gate at every isolation level a transaction can run at (docs/isolation-rules.md
// rule 26). A suspend commits the new status, then waits for the app transactions that began
// before it (migration 0012); a transaction that enters the tenant meanwhile must not be admitted
// on the status from before the suspend. Under REPEATABLE READ and SERIALIZABLE the transaction's
// one snapshot is taken when the gate statement begins, so the gate refuses those levels outright
// (TN422) rather than admit on a status that may be stale.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TenantId } from 'tenantry';
import { createTenantDatabase, type SqlPool, type TenantDatabase } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';

let t: TestTenantry;
let created = 0;
const LEVELS = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'] as const;
/** Per level, a tenant database over app-role connections whose transactions default to that level. */
const atLevel = new Map<string, { pool: SqlPool; db: TenantDatabase }>();

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 4 });
  for (const level of LEVELS) {
    const pool = pgPool({ connectionString: t.appUrl, max: 2, options: `-c default_transaction_isolation=${level.toLowerCase().replace(' ', '\\ ')}` });
    atLevel.set(level, { pool, db: createTenantDatabase({ pool }) });
  }
});
afterAll(async () => {
  for (const { pool } of atLevel.values()) await pool.end();
  await t?.close();
});

/** How many backends of this test's database wait: for a lock, or in the suspend's wait for older transactions (it sleeps between polls). */
async function lockWaiters(): Promise<number> {
  const { rows } = await t.admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND (wait_event_type = 'Lock' OR wait_event = 'PgSleep')",
  );
  return rows[0]?.n ?? 0;
}

async function untilLockWaiters(n: number, unlessSettled: Promise<unknown>[] = []): Promise<void> {
  let settled = false;
  for (const p of unlessSettled) void p.then(() => (settled = true), () => (settled = true));
  // Bounded by the test's timeout, as before: a wait that never comes fails the test there.
  await vi.waitFor(async () => expect(settled || (await lockWaiters()) >= n).toBe(true), { timeout: 60_000, interval: 10 });
}

/** Runs a transaction of `tenant` through the library at `level`; the SQLSTATE its gate raised, or 'admitted'. */
async function enterAt(level: string, tenant: TenantId): Promise<string> {
  const { db } = atLevel.get(level) as { db: TenantDatabase };
  try {
    await db.transaction(tenant, (tx) => tx.query('SELECT current_setting($1) AS level', ['transaction_isolation']));
    return 'admitted';
  } catch (err) {
    return String((err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code);
  }
}

it('runs each level it tests', async () => {
  const tenant = (await t.registry.create({ slug: `gate-levels-${(created += 1)}` })).id;
  const { rows } = await (atLevel.get('READ COMMITTED') as { db: TenantDatabase }).db.transaction(tenant, (tx) => tx.query<{ level: string }>('SELECT current_setting($1) AS level', ['transaction_isolation']));
  expect(rows[0]?.level).toBe('read committed');
  const pool = (atLevel.get('SERIALIZABLE') as { pool: SqlPool }).pool;
  const connection = await pool.connect();
  try {
    expect((await connection.query<{ default_transaction_isolation: string }>('SHOW default_transaction_isolation')).rows[0]?.default_transaction_isolation).toBe('serializable');
  } finally {
    connection.release();
  }
});

describe.each(LEVELS)('entering a tenant being suspended, at %s', (level) => {
  it('never admits the transaction on the status from before the suspension', async () => {
    const tenant = (await t.registry.create({ slug: `gate-levels-${(created += 1)}` })).id;
    // A transaction of the tenant in flight: the suspend has to wait for it.
    let finish!: () => void;
    const finishNow = new Promise<void>((resolve) => (finish = resolve));
    let entered!: () => void;
    const enteredNow = new Promise<void>((resolve) => (entered = resolve));
    const inFlight = t.db.transaction(tenant, async (tx) => {
      await tx.query('SELECT 1');
      entered();
      await finishNow;
    });
    await enteredNow;
    const suspension = t.registry.suspend(tenant);
    await untilLockWaiters(1, [suspension]);

    // The new transaction begins while the suspend waits (for the lock before 0012, for the
    // transaction in flight to end since); the one in flight then ends.
    const first = enterAt(level, tenant);
    await untilLockWaiters(2, [first]);
    finish();
    await inFlight;
    await suspension;

    const outcome = await first;
    expect(outcome).not.toBe('admitted');
    // READ COMMITTED read the status the suspend committed; the others never enter.
    expect(outcome).toBe(level === 'READ COMMITTED' ? 'TN403' : 'TN422');
  });

  it(level === 'READ COMMITTED' ? 'admits an active tenant' : 'refuses even an active tenant: its snapshot predates the gate', async () => {
    const tenant = (await t.registry.create({ slug: `gate-levels-${(created += 1)}` })).id;
    expect(await enterAt(level, tenant)).toBe(level === 'READ COMMITTED' ? 'admitted' : 'TN422');
  });
});
