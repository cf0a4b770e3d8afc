// Quota pressure for health reports, against a real PostgreSQL: the highest used / hard limit of
// each tenant, null without hard limits, null (not a failed report) for a tenant it cannot read.
// Time is a test clock at testNow (TENANTRY_TEST_NOW).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, systemActor } from 'tenantry/control';
import { createQuotas, definePlanCatalog, periodOf } from 'tenantry/quota';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { pressureOf, quotaPressureReader } from './quota-pressure.js';

let t: TestTenantry;
const clock = createTestClock(inject('testNow'));
const catalog = definePlanCatalog({
  meters: { members: { kind: 'level', unit: 'seats' }, apiCalls: { kind: 'period', unit: 'requests' } },
  plans: {
    small: { limits: { members: 4, apiCalls: 100 }, price: { currency: 'EUR', baseMinor: 0 } },
    open: { limits: { members: null, apiCalls: null }, price: { currency: 'EUR', baseMinor: 0 } },
  },
});
const quotas = createQuotas({ catalog, clock });

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
});
afterAll(() => t?.close());

describe('pressureOf', () => {
  it('takes the highest ratio over the meters with a hard limit, and null when none has one', () => {
    const report = (meters: { used: number; limit: number | null }[]) => ({ plan: 'p', period: periodOf(clock.now()), meters: meters.map((m, i) => ({ meter: `m${i}`, softLimit: null, unit: 'u', ...m })) });
    expect(pressureOf(report([{ used: 1, limit: 4 }, { used: 30, limit: 100 }]))).toBe(0.3);
    expect(pressureOf(report([{ used: 5, limit: null }]))).toBeNull();
    expect(pressureOf(report([{ used: 0, limit: 0 }]))).toBe(0);
  });
});

describe('quotaPressureReader', () => {
  it('reads each tenant under its own isolation: seats and calls against its plan, null for no limits or an unreadable tenant', async () => {
    const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', clock });
    const busy = await t.registry.create({ slug: 'pressure-busy', plan: 'small' });
    const free = await t.registry.create({ slug: 'pressure-free', plan: 'open' });
    const gone = await t.registry.create({ slug: 'pressure-gone', plan: 'small' });
    await t.db.transaction(busy.id, async (tx) => {
      for (const userId of ['a', 'b', 'c']) await control.members.add(tx, { userId, role: 'viewer' }, systemActor('test'));
    });
    await t.db.withTenant(busy.id, (scope) => quotas.recordUsage(scope, [{ id: 'e1', meter: 'apiCalls', quantity: 20 }]));
    await t.registry.suspend(gone.id);
    const read = quotaPressureReader(t.db, quotas);
    const pressure = await read([busy, free, gone].map((x) => ({ id: x.id, slug: x.slug, plan: x.plan })));
    expect(pressure.get(busy.id)).toBe(0.75);
    expect(pressure.get(free.id)).toBeNull();
    expect(pressure.get(gone.id)).toBeNull();
  });
});
