// Quotas against a real PostgreSQL: reservations never let a tenant pass its hard limit under
// 200 concurrent consumers (fast-check, several tenants, each independent), soft limits warn and
// are recorded, a plan change or an operator override applies to the very next check, expired
// reservations give their amount back, and one tenant never sees another's quota rows.
// Time is a test clock at testNow (TENANTRY_TEST_NOW), moved by hand.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import { queryAuditEvents } from '../audit/index.js';
import { createTestClock, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { setQuotaOverrides } from './quota-overrides.js';
import { createQuotas, type Quotas } from './quotas.js';
import { testCatalog } from '../testing/internal.js';

let t: TestTenantry;
let quotas: Quotas;
const clock = createTestClock(inject('testNow'));
const catalog = testCatalog();
let slugs = 0;

const newTenant = async (plan = 'free'): Promise<TenantId> => {
  const tenant = await t.registry.create({ slug: `q-${(slugs += 1)}`, plan });
  return tenant.id;
};
const setPlan = (tenant: TenantId, plan: string) => t.admin.query('UPDATE tenantry.tenants SET plan = $2 WHERE id = $1', [tenant, plan]);
const usedOf = async (tenant: TenantId, meter: string) =>
  (await t.db.withTenant(tenant, (s) => quotas.usage(s))).meters.find((m) => m.meter === meter)?.used;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 10, clock });
  quotas = createQuotas({ catalog, clock });
});
afterAll(() => t?.close());

describe('reservations', () => {
  it('reserves, commits the real amount and releases, against the hard limit', async () => {
    const tenant = await newTenant();
    const r = await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 600));
    expect(r).toMatchObject({ meter: 'storageBytes', amount: 600, used: 0, reserved: 600, limit: 1000, warnings: [] });
    // 600 held: 500 more would pass 1000.
    const refused = await errorOf(t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 500)));
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', kind: 'limited', details: { meter: 'storageBytes', limit: 1000, used: 600, requested: 500 } });
    const committed = await t.db.withTenant(tenant, (s) => quotas.commit(s, r.id, 450));
    expect(committed).toMatchObject({ used: 450, reserved: 0 });
    await expect(t.db.withTenant(tenant, (s) => quotas.commit(s, r.id))).rejects.toMatchObject({ code: 'QUOTA_RESERVATION_NOT_FOUND' });
    const second = await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 500));
    await t.db.withTenant(tenant, (s) => quotas.release(s, second.id));
    expect(await usedOf(tenant, 'storageBytes')).toBe(450);
  });

  it('refuses a commit beyond the reservation that would pass the limit, and leaves the reservation', async () => {
    const tenant = await newTenant();
    const r = await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 900));
    await expect(t.db.withTenant(tenant, (s) => quotas.commit(s, r.id, 1001))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { requested: 1001 } });
    expect(await t.db.withTenant(tenant, (s) => quotas.commit(s, r.id, 1000))).toMatchObject({ used: 1000, reserved: 0 });
  });

  it('refuses an amount above the limit even when nothing was used yet (no row to update)', async () => {
    const tenant = await newTenant();
    await expect(t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 101))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 100, used: 0, requested: 101 } });
    expect(await usedOf(tenant, 'apiCalls')).toBe(0);
  });

  it('rolls back with the caller\'s transaction', async () => {
    const tenant = await newTenant();
    await errorOf(t.db.transaction(tenant, async (tx) => {
      await quotas.consume(tx, 'apiCalls', 40);
      throw new Error('the upload failed');
    }));
    expect(await usedOf(tenant, 'apiCalls')).toBe(0);
  });

  it('gives an expired reservation\'s amount back to the next reservation that needs it', async () => {
    const tenant = await newTenant();
    const stale = await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 900, { ttlMs: 60_000 }));
    await expect(t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 200))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    clock.advance(61_000);
    await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 200));
    await expect(t.db.withTenant(tenant, (s) => quotas.commit(s, stale.id))).rejects.toMatchObject({ code: 'QUOTA_RESERVATION_NOT_FOUND' });
  });

  it('warns past the soft limit and records the warning once per period', async () => {
    const tenant = await newTenant();
    await t.db.withTenant(tenant, (s) => quotas.consume(s, 'storageBytes', 700));
    const warned = await t.db.withTenant(tenant, (s) => quotas.consume(s, 'storageBytes', 150));
    expect(warned.warnings).toEqual([{ meter: 'storageBytes', softLimit: 800, used: 700, requested: 150 }]);
    expect(warned.alerts.map((a) => a.alert)).toEqual(['soft_limit', 'limit_80']);
    const again = await t.db.withTenant(tenant, (s) => quotas.consume(s, 'storageBytes', 10));
    expect(again.warnings).toHaveLength(1);
    expect(again.alerts).toEqual([]);
    expect((await t.db.withTenant(tenant, (s) => quotas.alerts(s))).map((a) => a.alert).sort()).toEqual(['limit_80', 'soft_limit']);
  });

  it('applies a plan change to the very next check (the plan is read fresh)', async () => {
    const tenant = await newTenant('free');
    await t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 100));
    await expect(t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 1))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await setPlan(tenant, 'pro');
    expect(await t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 1))).toMatchObject({ used: 101, limit: null });
    await setPlan(tenant, 'gold');
    await expect(t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 1))).rejects.toMatchObject({ code: 'QUOTA_PLAN_UNKNOWN' });
  });

  it('applies an operator\'s override at once, audits it, and a meter left out goes back to the plan', async () => {
    const tenant = await newTenant('free');
    await setQuotaOverrides(t.operator, catalog, tenant, { apiCalls: 5, members: null }, { actor: 'operator:ann', requestId: 'req-1', clock });
    const limits = await t.db.withTenant(tenant, (s) => quotas.limits(s));
    expect(limits.limits.apiCalls).toEqual({ hard: 5, soft: null });
    expect(limits.limits.members).toEqual({ hard: null, soft: null });
    await expect(t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 6))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 5 } });
    await setQuotaOverrides(t.operator, catalog, tenant, { storageBytes: 400 }, { actor: 'operator:bob', clock });
    const after = await t.db.withTenant(tenant, (s) => quotas.limits(s));
    // The plan's soft limit of 800 is above the new hard limit, so it no longer applies.
    expect(after.limits).toMatchObject({ apiCalls: { hard: 100 }, members: { hard: 3 }, storageBytes: { hard: 400, soft: null } });
    const { events } = await t.db.withTenant(tenant, (s) => queryAuditEvents(s, { action: 'quota.overrides.set' }));
    expect(events.map((e) => [e.actor, e.details])).toEqual([
      ['operator:ann', { before: {}, after: { apiCalls: 5, members: null } }],
      ['operator:bob', { before: { apiCalls: 5, members: null }, after: { storageBytes: 400 } }],
    ]);
    await expect(setQuotaOverrides(t.operator, catalog, tenant, { storageBytes: 1.5 }, { actor: 'operator:ann' })).rejects.toMatchObject({ code: 'QUOTA_OVERRIDE_INVALID' });
    await expect(setQuotaOverrides(t.operator, catalog, tenant, { bogus: 1 }, { actor: 'operator:ann' })).rejects.toMatchObject({ code: 'QUOTA_OVERRIDE_INVALID' });
  });

  it('keeps each tenant\'s quota rows to itself', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const r = await t.db.withTenant(a, (s) => quotas.reserve(s, 'storageBytes', 1000));
    // B's full limit is free, and B cannot settle A's reservation: it does not exist for B.
    await t.db.withTenant(b, (s) => quotas.reserve(s, 'storageBytes', 1000));
    await expect(t.db.withTenant(b, (s) => quotas.commit(s, r.id))).rejects.toMatchObject({ code: 'QUOTA_RESERVATION_NOT_FOUND' });
    await expect(t.db.withTenant(b, (s) => quotas.release(s, r.id))).rejects.toMatchObject({ code: 'QUOTA_RESERVATION_NOT_FOUND' });
    expect(await t.db.withTenant(a, (s) => quotas.commit(s, r.id))).toMatchObject({ used: 1000 });
  });
});

describe('offboarding', () => {
  it('purges every quota table of a deleted tenant, and only of that tenant', async () => {
    const [gone, kept] = [await newTenant(), await newTenant()];
    for (const tenant of [gone, kept]) {
      await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 100));
      await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'e', meter: 'apiCalls', quantity: 100 }]));
      await setQuotaOverrides(t.operator, catalog, tenant, { members: 9 }, { actor: 'operator:ann' });
    }
    await t.registry.offboard(gone);
    const { purged } = await t.registry.delete(gone);
    expect(purged).toBeDefined();
    const tables = ['quota_usage', 'quota_reservations', 'usage_events', 'usage_daily', 'quota_overrides', 'quota_alerts'];
    for (const table of tables) {
      const count = async (tenant: TenantId) => Number((await t.admin.query<{ n: string }>(`SELECT count(*) AS n FROM tenantry.${table} WHERE tenant_id = $1`, [tenant])).rows[0]?.n);
      expect(await count(gone), table).toBe(0);
      expect(await count(kept), table).toBeGreaterThan(0);
    }
  });
});

describe('reservations under concurrency', () => {
  // Each operation reserves a random amount, then commits a random part of it or releases it.
  const op = fc.record({
    tenant: fc.nat({ max: 3 }),
    amount: fc.integer({ min: 1, max: 200 }),
    outcome: fc.oneof(
      { weight: 1, arbitrary: fc.constant('release' as const) },
      { weight: 2, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
    ),
  });

  it('never lets the committed sum pass the hard limit: 200 concurrent consumers, 4 tenants, each independent', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 200, maxLength: 200 }), async (ops) => {
      const tenants = await Promise.all([0, 1, 2, 3].map(() => newTenant()));
      const committed = [0, 0, 0, 0];
      const admitted = [0, 0, 0, 0];
      let refusals = 0;
      await Promise.all(ops.map(async (o) => {
        const tenant = tenants[o.tenant] as TenantId;
        try {
          const r = await t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', o.amount));
          admitted[o.tenant] = (admitted[o.tenant] ?? 0) + 1;
          if (o.outcome === 'release') {
            await t.db.withTenant(tenant, (s) => quotas.release(s, r.id));
          } else {
            const actual = Math.floor(o.amount * o.outcome);
            await t.db.withTenant(tenant, (s) => quotas.commit(s, r.id, actual));
            committed[o.tenant] = (committed[o.tenant] ?? 0) + actual;
          }
        } catch (err) {
          if (!isTenantryError(err, 'QUOTA_EXCEEDED')) throw err;
          refusals += 1;
        }
      }));
      for (const [i, tenant] of tenants.entries()) {
        const { rows } = await t.admin.query<{ used: string; reserved: string }>(
          `SELECT used, reserved FROM tenantry.quota_usage WHERE tenant_id = $1 AND meter = 'storageBytes'`, [tenant]);
        const used = Number(rows[0]?.used ?? 0);
        expect(used).toBeLessThanOrEqual(1000);
        // Exactly what this tenant's own operations committed: no other tenant's amounts in it.
        expect(used).toBe(committed[i]);
        expect(Number(rows[0]?.reserved ?? 0)).toBe(0);
      }
      // About 50 operations of up to 200 per tenant against 1000 each: the limit was contested.
      expect(refusals + admitted.reduce((x, y) => x + y, 0)).toBe(200);
      expect(refusals).toBeGreaterThan(0);
    }), { numRuns: 4, endOnFailure: true });
  });

  it('admits exactly up to the limit when every consumer commits in one step', async () => {
    const tenant = await newTenant();
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => t.db.withTenant(tenant, (s) => quotas.consume(s, 'apiCalls', 1))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    expect(results.filter((r) => r.status === 'rejected').every((r) => isTenantryError(r.reason, 'QUOTA_EXCEEDED'))).toBe(true);
    expect(await usedOf(tenant, 'apiCalls')).toBe(100);
    // Crossing 80 % and 100 % raced 200 ways, and each was recorded once.
    expect((await t.db.withTenant(tenant, (s) => quotas.alerts(s))).map((a) => a.alert).sort()).toEqual(['limit_100', 'limit_80']);
  });

  it('keeps reserved equal to the open reservations while expiry sweeps race commits and releases', async () => {
    const tenant = await newTenant();
    const stale = await Promise.all(Array.from({ length: 20 }, () => t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 45, { ttlMs: 60_000 }))));
    clock.advance(61_000);
    // Late commits and releases of expired reservations race new reservations that sweep them.
    const results = await Promise.allSettled([
      ...stale.map((r, i) => t.db.withTenant(tenant, async (s): Promise<unknown> => (i % 2 ? quotas.commit(s, r.id) : quotas.release(s, r.id)))),
      ...Array.from({ length: 20 }, () => t.db.withTenant(tenant, (s) => quotas.reserve(s, 'storageBytes', 50))),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toMatch(/^(QUOTA_RESERVATION_NOT_FOUND|QUOTA_EXCEEDED)$/);
    }
    const { rows: [row] } = await t.admin.query<{ used: string; reserved: string; open: string }>(
      `SELECT u.used, u.reserved, (SELECT coalesce(sum(amount), 0) FROM tenantry.quota_reservations r WHERE r.tenant_id = u.tenant_id) AS open
         FROM tenantry.quota_usage u WHERE u.tenant_id = $1 AND u.meter = 'storageBytes'`, [tenant]);
    // Expired reservations are never committed; what is held is exactly what is open.
    expect(Number(row?.used)).toBe(0);
    expect(Number(row?.reserved)).toBe(Number(row?.open));
    expect(Number(row?.reserved)).toBeLessThanOrEqual(1000);
  });

  it('admits the last seat once when two admissions race', async () => {
    const tenant = await newTenant();
    let seats = 2;
    const admit = () => t.db.transaction(tenant, async (tx) => {
      const outcome = await quotas.admitLevel(tx, 'members', async () => seats, 1);
      seats += 1; // the caller's insert, done while the meter is still locked
      return outcome;
    });
    const results = await Promise.allSettled([admit(), admit(), admit()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(seats).toBe(3);
  });
});
