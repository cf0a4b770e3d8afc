// The plan catalog's validation (each mistake named by its path) and the pure pieces around it:
// features per plan, periods, and invoice arithmetic in integer minor units.
import { describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { CSV_HEADER, invoiceCsvRows, invoiceFor } from './invoice.js';
import { parsePeriod, periodOf } from './period.js';
import { definePlanCatalog, planFeatures, requireCatalogPlan, type PlanCatalogOptions } from './plan-catalog.js';
import { testCatalog } from '../testing/internal.js';

const base: PlanCatalogOptions = {
  meters: { apiCalls: { kind: 'period', unit: 'requests' } },
  plans: { free: { limits: { apiCalls: 10 }, price: { currency: 'EUR', baseMinor: 0 } } },
};
const pathOf = (build: () => unknown): unknown => {
  try {
    build();
  } catch (err) {
    if (isTenantryError(err, 'QUOTA_PLAN_CATALOG_INVALID')) return err.details.path;
    throw err;
  }
  return undefined;
};
const withPlan = (plan: unknown) => ({ ...base, plans: { free: plan } }) as unknown as PlanCatalogOptions;

describe('definePlanCatalog', () => {
  it('resolves every meter for every plan, unlimited where the plan sets nothing', () => {
    const catalog = testCatalog();
    expect(catalog.plan('pro').limits.apiCalls).toEqual({ hard: null, soft: null });
    expect(catalog.plan('free').limits.storageBytes).toEqual({ hard: 1000, soft: 800 });
    expect(catalog.plan('free').limits.members).toEqual({ hard: 3, soft: null });
    expect(catalog.list().map((p) => p.name)).toEqual(['free', 'pro']);
  });

  it.each([
    ['a float price', withPlan({ price: { currency: 'EUR', baseMinor: 9.99 } }), 'plans.free.price.baseMinor'],
    ['a limit of an undeclared meter', withPlan({ limits: { seats: 3 }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.limits.seats'],
    ['a soft limit above the hard one', withPlan({ limits: { apiCalls: { hard: 5, soft: 6 } }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.limits.apiCalls.soft'],
    ['a negative limit', withPlan({ limits: { apiCalls: -1 }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.limits.apiCalls'],
    ['a lower-case currency', withPlan({ price: { currency: 'eur', baseMinor: 0 } }), 'plans.free.price.currency'],
    ['a missing price', withPlan({ limits: {} }), 'plans.free.price'],
    ['a database timeout of zero', withPlan({ database: { statementTimeoutMs: 0 }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.database.statementTimeoutMs'],
    ['an unknown database limit', withPlan({ database: { statementTimeout: 5 } as never, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.database.statementTimeout'],
    ['a database weight above 1000', withPlan({ database: { weight: 1001 }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.database.weight'],
    ['a feature that is not a boolean', withPlan({ features: { sso: 'yes' }, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.features.sso'],
    ['a misspelt option', withPlan({ limit: {}, price: { currency: 'EUR', baseMinor: 0 } }), 'plans.free.limit'],
    ['a unit price of zero units', withPlan({ price: { currency: 'EUR', baseMinor: 0, meters: { apiCalls: { unitPriceMinor: 1, perUnits: 0 } } } }), 'plans.free.price.meters.apiCalls.perUnits'],
    ['a price for an inherited property name', withPlan({ price: { currency: 'EUR', baseMinor: 0, meters: { constructor: { unitPriceMinor: 1 } } } }), 'plans.free.price.meters.constructor'],
    ['a meter of an unknown kind', { ...base, meters: { apiCalls: { kind: 'gauge', unit: 'x' } } }, 'meters.apiCalls.kind'],
    ['a plan name with capitals', { ...base, plans: { Free: base.plans.free } }, 'plans.Free'],
    ['no plan at all', { ...base, plans: {} }, 'plans'],
  ])('refuses %s, naming its path', (_, options, path) => {
    expect(pathOf(() => definePlanCatalog(options as PlanCatalogOptions))).toBe(path);
  });

  it('answers an unknown plan or meter with its own code', () => {
    const catalog = testCatalog();
    expect(() => catalog.plan('gold')).toThrow(expect.objectContaining({ code: 'QUOTA_PLAN_UNKNOWN', details: { plan: 'gold' } }));
    expect(() => catalog.meter('toString')).toThrow(expect.objectContaining({ code: 'QUOTA_METER_UNKNOWN' }));
  });

  it('refuses to set a plan the catalog lacks with an invalid-kind code (requireCatalogPlan)', () => {
    const catalog = testCatalog();
    expect(requireCatalogPlan(catalog, 'pro').name).toBe('pro');
    expect(() => requireCatalogPlan(catalog, 'gold')).toThrow(expect.objectContaining({ code: 'QUOTA_PLAN_INVALID', kind: 'invalid', details: { plan: 'gold' } }));
  });

  it("keeps a plan's database limits, and none for a plan that sets none", () => {
    const catalog = definePlanCatalog({
      meters: {},
      plans: {
        free: { database: { statementTimeoutMs: 2000, lockTimeoutMs: 500, weight: 1, maxConnections: 2 }, price: { currency: 'EUR', baseMinor: 0 } },
        pro: { price: { currency: 'EUR', baseMinor: 0 } },
      },
    });
    expect(catalog.plan('free').database).toEqual({ statementTimeoutMs: 2000, lockTimeoutMs: 500, weight: 1, maxConnections: 2 });
    expect(catalog.plan('pro').database).toEqual({});
  });

  it('gives each plan\'s features, and none for an unknown plan', () => {
    const catalog = testCatalog();
    expect(planFeatures(catalog, 'pro')).toEqual({ sso: true, export: true });
    expect(planFeatures(catalog, 'free').sso).toBe(false);
    expect(planFeatures(catalog, 'gold')).toEqual({});
  });
});

describe('periods', () => {
  it('are UTC calendar months', () => {
    expect(periodOf(new Date('2026-12-31T23:59:59.999Z')).name).toBe('2026-12');
    expect(parsePeriod('2026-12').end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', 202611]) {
      expect(() => parsePeriod(bad)).toThrow(expect.objectContaining({ code: 'BILLING_PERIOD_INVALID' }));
    }
  });
});

describe('invoiceFor', () => {
  const pro = testCatalog().plan('pro');
  const tenant = { tenantId: '00000000-0000-4000-8000-000000000001', slug: 'acme', period: '2026-11' };

  it('charges the base price and each started block of overage at the unit price', () => {
    const invoice = invoiceFor(pro, tenant, { apiCalls: 1201, storageBytes: 50_000 });
    // 201 calls over 1000 included → 3 blocks of 100 at 5; storage exactly at its included units → 0.
    expect(invoice.lines).toEqual([
      { kind: 'base', meter: null, quantity: 0, includedUnits: 0, overageUnits: 0, unitPriceMinor: 4900, perUnits: 1, amountMinor: 4900 },
      { kind: 'overage', meter: 'apiCalls', quantity: 1201, includedUnits: 1000, overageUnits: 201, unitPriceMinor: 5, perUnits: 100, amountMinor: 15 },
      { kind: 'overage', meter: 'storageBytes', quantity: 50_000, includedUnits: 50_000, overageUnits: 0, unitPriceMinor: 2, perUnits: 1000, amountMinor: 0 },
    ]);
    expect(invoice.totalMinor).toBe(4915);
    expect(Number.isInteger(invoice.totalMinor)).toBe(true);
  });

  it('stays exact for amounts where floating point would not', () => {
    const big = invoiceFor(pro, tenant, { apiCalls: 2 ** 52 });
    expect(big.lines[1]?.amountMinor).toBe(Number((BigInt(2 ** 52 - 1000) + 99n) / 100n * 5n));
  });

  it('writes CSV rows that quote what needs it and defuse formulas', () => {
    const rows = invoiceCsvRows({ ...invoiceFor(pro, tenant, {}), slug: '=cmd,"x"' });
    expect(CSV_HEADER.split(',')).toHaveLength(13);
    expect(rows.split('\r\n')[0]).toBe(`2026-11,${tenant.tenantId},"'=cmd,""x""",pro,EUR,base,,0,0,0,4900,1,4900`);
    expect(rows.endsWith('\r\n')).toBe(true);
  });
});
