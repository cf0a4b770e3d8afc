// Usage metering against a real PostgreSQL: an event id is counted once, also when its retries
// race (fast-check over several tenants, per-tenant model), conflicting reuse of an id is refused,
// alerts fire once per threshold and period, history is per day, alert delivery is at least once,
// and the billing export pages through tenants with usage read under each tenant's policy.
// Time comes from a test clock started at `testNow` (TENANTRY_TEST_NOW): every date below is
// derived from it, so the suite passes on any day and at the awkward instants of test:instants.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { billingInvoices, billingPage } from './billing-export.js';
import { periodOf, shiftPeriod, utcDay } from './period.js';
import { createQuotas, type Quotas } from './quotas.js';
import type { UsageAlert } from './quota-sql.js';
import { testCatalog } from '../testing/internal.js';

const DAY_MS = 86_400_000;
let t: TestTenantry;
let quotas: Quotas;
const start = new Date(inject('testNow'));
const clock = createTestClock(start);
const current = periodOf(start);
const previous = shiftPeriod(current, -1);
const next = shiftPeriod(current, 1);
let slugs = 0;
const newTenant = async (plan = 'free'): Promise<TenantId> => (await t.registry.create({ slug: `m-${(slugs += 1)}`, plan })).id;
const usedOf = async (tenant: TenantId, meter: string) =>
  (await t.db.withTenant(tenant, (s) => quotas.usage(s))).meters.find((m) => m.meter === meter)?.used;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 8, clock });
  quotas = createQuotas({ catalog: testCatalog(), clock });
});
afterAll(() => t?.close());
// A test that moves the clock leaves it where the next one expects it.
afterEach(() => clock.set(start));

describe('recordUsage', () => {
  it('counts each event id once, within a batch and across retries', async () => {
    const tenant = await newTenant('pro');
    const events = [{ id: 'e1', meter: 'apiCalls', quantity: 3 }, { id: 'e2', meter: 'apiCalls', quantity: 4 }, { id: 'e1', meter: 'apiCalls', quantity: 3 }];
    expect(await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, events))).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, events))).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await usedOf(tenant, 'apiCalls')).toBe(7);
  });

  it('refuses an id reused for another quantity or meter, and invalid events, naming the field', async () => {
    const tenant = await newTenant('pro');
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'x', meter: 'apiCalls', quantity: 1 }]));
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'x', meter: 'apiCalls', quantity: 2 }]))).rejects.toMatchObject({ code: 'USAGE_EVENT_CONFLICT', details: { id: 'x' } });
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'y', meter: 'apiCalls', quantity: -1 }]))).rejects.toMatchObject({ code: 'USAGE_EVENT_INVALID', details: { index: 0, field: 'quantity' } });
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'y', meter: 'apiRequestsPerMinute', quantity: 1 }]))).rejects.toMatchObject({ code: 'USAGE_EVENT_INVALID', details: { field: 'meter' } });
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'y', meter: 'nope', quantity: 1 }]))).rejects.toMatchObject({ code: 'QUOTA_METER_UNKNOWN' });
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'y', meter: 'apiCalls', quantity: 1, occurredAt: new Date(start.getTime() + 3_600_000) }]))).rejects.toMatchObject({ details: { field: 'occurredAt' } });
    expect(await usedOf(tenant, 'apiCalls')).toBe(1);
  });

  it('lets a level meter go down (bytes freed) and never refuses usage that happened', async () => {
    const tenant = await newTenant('free');
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'up', meter: 'storageBytes', quantity: 1200 }]));
    expect(await usedOf(tenant, 'storageBytes')).toBe(1200);
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'down', meter: 'storageBytes', quantity: -700 }]));
    expect(await usedOf(tenant, 'storageBytes')).toBe(500);
  });

  it('refuses a batch that would take a level below zero, and records none of it (room beyond the limit, a lower billed peak)', async () => {
    const tenant = await newTenant('free');
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'lv-up', meter: 'storageBytes', quantity: 300 }]));
    const before = await usedOf(tenant, 'storageBytes');
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'lv-ok', meter: 'apiCalls', quantity: 1 }, { id: 'lv-down', meter: 'storageBytes', quantity: -((before ?? 0) + 1) }])))
      .rejects.toMatchObject({ code: 'USAGE_EVENT_INVALID', details: { field: 'quantity' } });
    expect(await usedOf(tenant, 'storageBytes')).toBe(before);
    const { rows } = await t.admin.query('SELECT id FROM tenantry.usage_events WHERE tenant_id = $1 AND id IN ($2, $3)', [tenant, 'lv-ok', 'lv-down']);
    expect(rows).toEqual([]);
  });

  it('counts a retried event once when the retries race, for every tenant independently (property)', async () => {
    const event = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), tenant: fc.nat({ max: 2 }), copies: fc.integer({ min: 1, max: 6 }) });
    await fc.assert(fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 50 }), async (events, quantity) => {
      const tenants = await Promise.all([0, 1, 2].map(() => newTenant('pro')));
      // The model: per tenant, each distinct id once.
      const expected = [0, 1, 2].map((i) => new Set(events.filter((e) => e.tenant === i).map((e) => e.id)).size * quantity);
      const sends = events.flatMap((e) => Array.from({ length: e.copies }, () => ({ tenant: tenants[e.tenant] as TenantId, id: e.id })));
      const results = await Promise.all(sends.map((s) => t.db.withTenant(s.tenant, (scope) => quotas.recordUsage(scope, [{ id: s.id, meter: 'apiCalls', quantity }]))));
      expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(expected.reduce((x, y) => x + y, 0) / quantity);
      for (const [i, tenant] of tenants.entries()) expect(await usedOf(tenant, 'apiCalls')).toBe(expected[i]);
    }), { numRuns: 8, endOnFailure: true });
  });
});

describe('pruneUsageEvents', () => {
  it('drops only ids that can no longer be retried, and a retry of one is refused, not counted again', async () => {
    const tenant = await newTenant('pro');
    // The 20th day of the previous period, then of the current one, then the 2nd of the next.
    const old = new Date(previous.start.getTime() + 19 * DAY_MS);
    const recent = new Date(current.start.getTime() + 19 * DAY_MS);
    clock.set(old);
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'old', meter: 'apiCalls', quantity: 5 }]));
    clock.set(recent);
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'recent', meter: 'apiCalls', quantity: 7 }]));
    // In the current period, the old event's is the previous period: nothing may go yet.
    expect(await t.db.withTenant(tenant, (s) => quotas.pruneUsageEvents(s))).toBe(0);
    clock.set(next.start.getTime() + DAY_MS);
    expect(await t.db.withTenant(tenant, (s) => quotas.pruneUsageEvents(s))).toBe(1);
    await expect(t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'old', meter: 'apiCalls', quantity: 5, occurredAt: old }])))
      .rejects.toMatchObject({ code: 'USAGE_EVENT_INVALID', details: { field: 'occurredAt' } });
    expect(await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'recent', meter: 'apiCalls', quantity: 7, occurredAt: recent }])))
      .toMatchObject({ accepted: 0, duplicates: 1 });
  });
});

describe('usage alerts', () => {
  it('fires 80 % and 100 % once per period, also when the crossing races, and again next period', async () => {
    const tenant = await newTenant('free');
    const batches = Array.from({ length: 30 }, (_, i) => [{ id: `r${i}`, meter: 'apiCalls', quantity: 4 }]);
    const results = await Promise.all(batches.map((b) => t.db.withTenant(tenant, (s) => quotas.recordUsage(s, b))));
    const raised = results.flatMap((r) => r.alerts.map((a) => a.alert)).sort();
    expect(raised).toEqual(['limit_100', 'limit_80']);
    const stored = await t.db.withTenant(tenant, (s) => quotas.alerts(s));
    expect(stored.map((a) => [a.alert, a.period, a.limit])).toEqual(expect.arrayContaining([['limit_80', current.name, 100], ['limit_100', current.name, 100]]));
    clock.set(next.start.getTime() + 1000);
    const later = await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'next', meter: 'apiCalls', quantity: 85 }]));
    expect(later.alerts.map((a) => [a.alert, a.period])).toEqual([['limit_80', next.name]]);
    expect(await usedOf(tenant, 'apiCalls')).toBe(85);
  });

  it('delivers each alert at least once: a failed send is retried after its claim lapses', async () => {
    const tenant = await newTenant('free');
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'big', meter: 'apiCalls', quantity: 100 }]));
    const seen: UsageAlert[] = [];
    let fail = true;
    const send = async (alert: UsageAlert) => {
      if (fail) throw new Error('receiver down');
      seen.push(alert);
    };
    expect(await t.db.withTenant(tenant, (s) => quotas.deliverAlerts(s, send))).toEqual({ delivered: 0, failed: 2 });
    fail = false;
    // Still claimed by the failed attempt: nothing to send yet.
    expect(await t.db.withTenant(tenant, (s) => quotas.deliverAlerts(s, send))).toEqual({ delivered: 0, failed: 0 });
    clock.advance(61_000);
    expect(await t.db.withTenant(tenant, (s) => quotas.deliverAlerts(s, send))).toEqual({ delivered: 2, failed: 0 });
    expect(seen.map((a) => a.alert)).toEqual(['limit_80', 'limit_100']);
    expect(await t.db.withTenant(tenant, (s) => quotas.deliverAlerts(s, send))).toEqual({ delivered: 0, failed: 0 });
    expect((await t.db.withTenant(tenant, (s) => quotas.alerts(s))).every((a) => a.deliveredAt !== null)).toBe(true);
  });
});

describe('history and billing', () => {
  it('reports usage per day, and only the tenant\'s own', async () => {
    const [a, b] = [await newTenant('pro'), await newTenant('pro')];
    // 10:00 UTC two days and one day before the clock's day.
    const today = Date.parse(`${utcDay(start)}T00:00:00Z`);
    const [twoDaysAgo, yesterday] = [new Date(today - 2 * DAY_MS + 36_000_000), new Date(today - DAY_MS + 36_000_000)];
    await t.db.withTenant(a, (s) => quotas.recordUsage(s, [
      { id: '1', meter: 'apiCalls', quantity: 5, occurredAt: twoDaysAgo },
      { id: '2', meter: 'apiCalls', quantity: 7, occurredAt: twoDaysAgo },
      { id: '3', meter: 'apiCalls', quantity: 1, occurredAt: yesterday },
    ]));
    await t.db.withTenant(b, (s) => quotas.recordUsage(s, [{ id: '1', meter: 'apiCalls', quantity: 99, occurredAt: twoDaysAgo }]));
    const { points } = await t.db.withTenant(a, (s) => quotas.history(s, 30));
    expect(points).toEqual([{ day: utcDay(twoDaysAgo), meter: 'apiCalls', quantity: 12 }, { day: utcDay(yesterday), meter: 'apiCalls', quantity: 1 }]);
    expect((await t.db.withTenant(a, (s) => quotas.history(s, 2))).points).toEqual([{ day: utcDay(yesterday), meter: 'apiCalls', quantity: 1 }]);
    await expect(t.db.withTenant(a, (s) => quotas.history(s, 0))).rejects.toMatchObject({ code: 'QUOTA_AMOUNT_INVALID' });
  });

  it('exports one invoice per tenant with overage at the plan\'s prices, paged, for the period asked', async () => {
    // The tenants are created at the clock's time, so they exist in the current period.
    const billing = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
    try {
      const ids: TenantId[] = [];
      for (const [i, plan] of ['pro', 'free', 'pro'].entries()) ids.push((await billing.registry.create({ slug: `bill-${i}`, plan })).id);
      const [p1, f, p2] = ids as [TenantId, TenantId, TenantId];
      await billing.db.withTenant(p1, (s) => quotas.recordUsage(s, [
        { id: 'a', meter: 'apiCalls', quantity: 1500 },
        { id: 'b', meter: 'storageBytes', quantity: 60_000, occurredAt: current.start },
        { id: 'c', meter: 'storageBytes', quantity: -30_000 },
        // The last second of the previous period: billed there, not in the current one.
        { id: 'old', meter: 'apiCalls', quantity: 1_000_000, occurredAt: new Date(current.start.getTime() - 1000) },
      ]));
      await billing.db.withTenant(f, (s) => quotas.recordUsage(s, [{ id: 'a', meter: 'apiCalls', quantity: 50 }]));
      const all = [];
      for await (const invoice of billingInvoices(billing.operator, quotas.catalog, current.name, 1)) all.push(invoice);
      expect(all.map((i) => i.tenantId)).toEqual([...ids].sort());
      const byId = new Map(all.map((i) => [i.tenantId, i]));
      // pro: 4900 base; 500 calls over 1000 → 5 blocks × 5; storage peak 60 000 over 50 000 → 10 blocks × 2.
      expect(byId.get(p1)).toMatchObject({ plan: 'pro', currency: 'EUR', totalMinor: 4900 + 25 + 20 });
      expect(byId.get(p1)?.lines.find((l) => l.meter === 'storageBytes')).toMatchObject({ quantity: 60_000, overageUnits: 10_000, amountMinor: 20 });
      expect(byId.get(f)).toMatchObject({ plan: 'free', totalMinor: 0 });
      expect(byId.get(p2)).toMatchObject({ totalMinor: 4900 });
      await billing.admin.query('UPDATE tenantry.tenants SET created_at = $2 WHERE id = $1', [p1, previous.start]);
      const earlier = await billingPage(billing.operator, quotas.catalog, { period: previous.name });
      // Only tenants that existed in the period are billed for it.
      expect(earlier.items.map((i) => i.tenantId)).toEqual([p1]);
      expect(earlier.items.find((i) => i.tenantId === p1)?.lines.find((l) => l.meter === 'apiCalls')?.quantity).toBe(1_000_000);
      await expect(billingPage(billing.operator, quotas.catalog, { period: current.name, cursor: 'nope' })).rejects.toMatchObject({ code: 'BILLING_CURSOR_INVALID' });
    } finally {
      await billing.close();
    }
  });
});
