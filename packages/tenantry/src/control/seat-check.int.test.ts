// The members' seat limit from the quota capability, enforced where members are added: by
// members.add and by accepting an invitation, also when additions race for the last seat, and
// following the tenant's plan and overrides.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { createQuotas, definePlanCatalog, setQuotaOverrides } from '../quota/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createControlPlane, type ControlPlane } from './control-plane.js';
import { systemActor } from './permissions.js';
import { quotaSeatCheck } from './seat-check.js';

let t: TestTenantry;
let control: ControlPlane;
const catalog = definePlanCatalog({
  meters: { members: { kind: 'level', unit: 'seats' } },
  plans: { free: { limits: { members: 3 }, price: { currency: 'EUR', baseMinor: 0 } } },
});
const quotas = createQuotas({ catalog });
const actor = systemActor('test');
let slugs = 0;
const newTenant = async (plan = 'free'): Promise<TenantId> => (await t.registry.create({ slug: `s-${(slugs += 1)}`, plan })).id;
const add = (tenant: TenantId, userId: string) => t.db.withTenant(tenant, (s) => control.members.add(s, { userId, role: 'member' }, actor));
const memberCount = async (tenant: TenantId) => (await t.db.withTenant(tenant, (s) => control.members.list(s))).length;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 8 });
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', seatCheck: quotaSeatCheck(quotas) });
});
afterAll(() => t?.close());

describe('the seat limit', () => {
  it('refuses the member past the plan\'s limit with QUOTA_EXCEEDED, and follows an override', async () => {
    const tenant = await newTenant('free');
    for (const user of ['a', 'b', 'c']) await add(tenant, user);
    await expect(add(tenant, 'd')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { meter: 'members', limit: 3, used: 3, requested: 1 } });
    await setQuotaOverrides(t.operator, catalog, tenant, { members: 4 }, { actor: 'operator:ann' });
    await add(tenant, 'd');
    expect(await memberCount(tenant)).toBe(4);
  });

  it('gives the last seat to one of 10 racing additions', async () => {
    const tenant = await newTenant('free');
    await add(tenant, 'first');
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => add(tenant, `racer-${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await memberCount(tenant)).toBe(3);
  });

  it('counts removed members out again', async () => {
    const tenant = await newTenant('free');
    for (const user of ['a', 'b', 'c']) await add(tenant, user);
    await t.db.withTenant(tenant, (s) => control.members.remove(s, 'c', actor));
    await add(tenant, 'd');
    expect(await memberCount(tenant)).toBe(3);
  });

  it('applies to accepting an invitation', async () => {
    const tenant = await newTenant('free');
    for (const user of ['a', 'b']) await add(tenant, user);
    const first = await t.db.withTenant(tenant, (s) => control.invitations.create(s, { email: 'x@example.com', role: 'member' }, actor));
    const second = await t.db.withTenant(tenant, (s) => control.invitations.create(s, { email: 'y@example.com', role: 'member' }, actor));
    await t.db.withTenant(tenant, (s) => control.invitations.accept(s, first.token, { userId: 'x' }));
    await expect(t.db.withTenant(tenant, (s) => control.invitations.accept(s, second.token, { userId: 'y' }))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect((await t.db.withTenant(tenant, (s) => control.invitations.get(s, second.invitation.id))).status).toBe('pending');
  });
});
