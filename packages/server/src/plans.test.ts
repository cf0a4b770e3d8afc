// The plan a new tenant gets: the one asked for when the catalog has it, else `free`, else the
// catalog's first plan; never one the catalog lacks.
import { describe, expect, it } from 'vitest';
import { definePlanCatalog } from 'tenantry/quota';
import { DEFAULT_PLANS, planForNewTenant } from './plans.js';

const price = { currency: 'EUR', baseMinor: 0 };

describe('planForNewTenant', () => {
  it('takes the plan asked for, free by default, or the first plan of a catalog without free', () => {
    const builtIn = definePlanCatalog(DEFAULT_PLANS);
    expect(planForNewTenant(builtIn, 'pro')).toBe('pro');
    expect(planForNewTenant(builtIn, undefined)).toBe('free');
    const noFree = definePlanCatalog({ meters: { seats: { kind: 'level', unit: 'seats' } }, plans: { starter: { limits: { seats: 3 }, price }, scale: { limits: { seats: null }, price } } });
    expect(planForNewTenant(noFree, undefined)).toBe('starter');
  });

  it('refuses a plan the catalog lacks with QUOTA_PLAN_INVALID', () => {
    expect(() => planForNewTenant(definePlanCatalog(DEFAULT_PLANS), 'platinum')).toThrow(expect.objectContaining({ code: 'QUOTA_PLAN_INVALID' }));
  });
});
