// The tenant gate at every isolation level a transaction can run at (docs/isolation-rules.md
// rule 26). A suspend waits for the tenant's transactions in flight; a transaction that enters
// the tenant meanwhile must not be admitted on the status it read before the suspend committed.
// Under REPEATABLE READ and SERIALIZABLE the transaction's one snapshot is taken when the gate
// statement begins, before any lock, so the gate refuses those levels outright (TN422) rather than
// admit on a status that may already be stale.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TenantId } from 'tenantry';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';

let t: TestTenantry;
let created = 0;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 4 });
});
afterAll(() => t?.close());

/** How many backends of this test's database wait for a lock. */
async function lockWaiters(): Promise<number> {
  const { rows } = await t.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
  return rows[0]?.n ?? 0;
}

async function untilLockWaiters(n: number, unlessSettled: Promise<unknown>[] = []): Promise<void> {
  let settled = false;
  for (const p of unlessSettled) void p.then(() => (settled = true), () => (settled = true));
  // Bounded by the test's timeout, as before: a wait that never comes fails the test there.
  await vi.waitFor(async () => expect(settled || (await lockWaiters()) >= n).toBe(true), { timeout: 60_000, interval: 10 });
}

/** Enters `tenant` in a new transaction at `level` on a raw app-role connection; the SQLSTATE it failed with, or 'admitted'. */
async function enterAt(level: string, tenant: TenantId): Promise<string> {
  const connection = await t.app.connect();
  try {
    await connection.query(`BEGIN ISOLATION LEVEL ${level}`);
    await connection.query('SELECT tenantry.enter_tenant($1::uuid)', [tenant]);
    return 'admitted';
  } catch (err) {
    return String((err as { code?: string }).code);
  } finally {
    await connection.query('ROLLBACK').catch(() => undefined);
    connection.release();
  }
}

describe.each(['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'])('entering a tenant being suspended, at %s', (level) => {
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

    // The new transaction begins while the suspend waits; the one in flight then ends.
    const first = enterAt(level, tenant);
    await untilLockWaiters(2, [first]);
    finish();
    await inFlight;
    await suspension;

    const outcome = await first;
    expect(outcome).not.toBe('admitted');
    // READ COMMITTED waited for the suspend and read the status that committed; the others never enter.
    expect(outcome).toBe(level === 'READ COMMITTED' ? 'TN403' : 'TN422');
  });

  it(level === 'READ COMMITTED' ? 'admits an active tenant' : 'refuses even an active tenant: its snapshot predates the gate', async () => {
    const tenant = (await t.registry.create({ slug: `gate-levels-${(created += 1)}` })).id;
    expect(await enterAt(level, tenant)).toBe(level === 'READ COMMITTED' ? 'admitted' : 'TN422');
  });
});
