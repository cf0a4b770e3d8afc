// Per-tenant limits and fair admission against a real PostgreSQL: a plan's timeouts are in force
// in its tenant's statements and transactions and in no one else's, and a tenant that holds
// every connection it can get does not starve the others. Ordering and counts, never timings.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TenantId } from '../core/index.js';
import { createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { createFairAdmission } from './fair-admission.js';
import { createTenantDatabase } from './tenant-database.js';
import type { TenantDatabaseLimits } from './tenant-limits.js';

let t: TestTenantry;
let ids: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 12, appPoolSize: 4 });
  ids = t.tenants.map((x) => x.id);
});
afterAll(() => t?.close());

const SETTINGS = `SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
  current_setting('idle_in_transaction_session_timeout') AS idle`;

describe('per-tenant limits (TenantDatabaseOptions.limits)', () => {
  const strict: TenantDatabaseLimits = { statementTimeoutMs: 1500, lockTimeoutMs: 700, idleInTransactionTimeoutMs: 5000 };

  it("puts a tenant's timeouts in force in its statements and transactions, and leaves the others at the role's", async () => {
    const [a, b] = ids as [TenantId, TenantId];
    const db = createTenantDatabase({ pool: t.app, limits: (id) => (id === a ? strict : undefined) });
    const expected = { statement: '1500ms', lock: '700ms', idle: '5s' };
    const role = { statement: '30s', lock: '5s', idle: '1min' };
    for (let round = 0; round < 6; round += 1) {
      // Alternating on a pool of 4: connections that served a carry nothing to b.
      expect((await db.withTenant(a, (s) => s.query(SETTINGS))).rows[0]).toEqual(expected);
      expect((await db.withTenant(b, (s) => s.query(SETTINGS))).rows[0]).toEqual(role);
      expect(await db.transaction(a, async (tx) => [(await tx.query(SETTINGS)).rows[0], (await tx.query(SETTINGS)).rows[0]])).toEqual([expected, expected]);
      expect((await db.transaction(b, (tx) => tx.query(SETTINGS))).rows[0]).toEqual(role);
    }
  });

  it("stops a statement past the tenant's statement timeout with STATEMENT_TIMEOUT, in a scope and in a transaction", async () => {
    const [a, b] = ids as [TenantId, TenantId];
    const db = createTenantDatabase({ pool: t.app, limits: (id) => (id === a ? { statementTimeoutMs: 20 } : undefined) });
    await expectCode(db.withTenant(a, (s) => s.query('SELECT pg_sleep(10)')), 'STATEMENT_TIMEOUT');
    await expectCode(db.transaction(a, async (tx) => {
      await tx.query('SELECT 1');
      await tx.query('SELECT pg_sleep(10)');
    }), 'STATEMENT_TIMEOUT');
    // The other tenant, same pool, is not limited (a short sleep that a 20 ms limit would stop).
    expect((await db.withTenant(b, (s) => s.query<{ ok: number }>('SELECT 1 AS ok FROM pg_sleep(0.05)'))).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses limits with an unknown key or a bad value with CONFIG_INVALID before any statement', async () => {
    const [a] = ids as [TenantId];
    const bad = createTenantDatabase({ pool: t.app, limits: () => ({ statementTimeoutMs: 0 }) });
    await expectCode(bad.withTenant(a, (s) => s.query('SELECT 1')), 'CONFIG_INVALID');
    const typo = createTenantDatabase({ pool: t.app, limits: () => ({ statementTimeoutMS: 10 }) as never });
    await expectCode(typo.withTenant(a, (s) => s.query('SELECT 1')), 'CONFIG_INVALID');
  });
});

describe('fair admission (TenantDatabaseOptions.admission) on a pool of 4', () => {
  /**
   * One tenant opens 30 scopes that each run a statement and then hold their connection until
   * `release` is called; then ten other tenants run one statement each. Returns the order in
   * which the scopes finished.
   */
  async function flood(admission: ReturnType<typeof createFairAdmission> | undefined) {
    const db = createTenantDatabase({ pool: t.app, admission });
    const [flooder, ...small] = ids as [TenantId, ...TenantId[]];
    const finished: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const floods = Array.from({ length: 30 }, () => db.withTenant(flooder, async (s) => {
      await s.query('SELECT 1');
      await held;
    }).then(() => void finished.push('flood')));
    // The flood has taken what it may before the small tenants arrive.
    await vi.waitFor(() => expect(admission === undefined ? t.app.stats?.().waitingCount : admission.stats().waiting).toBeGreaterThan(0));
    const smalls = small.slice(0, 10).map((id) => db.withTenant(id, (s) => s.query('SELECT 1')).then(() => void finished.push('small')));
    return { finished, release, all: Promise.all([...floods, ...smalls]), smalls: Promise.all(smalls) };
  }

  it('serves ten other tenants while one tenant holds every connection it may', async () => {
    const admission = createFairAdmission({ capacity: 4, maxConnectionsPerTenant: 2 });
    const run = await flood(admission);
    // Every small tenant finishes while the flood still holds its connections.
    await run.smalls;
    expect(run.finished).toEqual(Array.from({ length: 10 }, () => 'small'));
    expect(admission.tenant(ids[0] as TenantId)).toEqual({ active: 2, waiting: 28 });
    run.release();
    await run.all;
    expect(run.finished.filter((x) => x === 'flood')).toHaveLength(30);
    expect(admission.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('without it, the same flood takes the whole pool and the others wait behind all of it (contrast)', async () => {
    const run = await flood(undefined);
    // The small tenants are queued behind the flood in the pool's own queue.
    await vi.waitFor(() => expect(t.app.stats?.().waitingCount).toBe(26 + 10));
    expect(run.finished).toEqual([]);
    run.release();
    await run.all;
    // Only after the whole flood ahead of them did any small tenant get a connection.
    expect(run.finished.indexOf('small')).toBeGreaterThanOrEqual(26);
  });
});
