// Members and custom roles against a real PostgreSQL: roles and their permissions, the grant
// rule, the last owner (also under concurrent demotions), and tenant B's handles finding
// nothing of tenant A's members and roles.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Tenant } from '../core/index.js';
import { codeOf, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { BUILT_IN_ROLE_PERMISSIONS, createCustomRoles, createMembers, hasPermission, systemActor, type Actor, type ControlScope } from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let serial = 0;
const members = createMembers();
const roles = createCustomRoles();
const owner = systemActor('test');
const adminActor: Actor = { id: 'user:admin', permissions: BUILT_IN_ROLE_PERMISSIONS.admin };
const user = (prefix: string) => `${prefix}-${(serial += 1)}`;
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const storedMembers = async (tenant: Tenant) =>
  (await t.admin.query('SELECT user_id, builtin_role, custom_role_id FROM tenantry.members WHERE tenant_id = $1 ORDER BY user_id', [tenant.id])).rows;
const storedRoles = async (tenant: Tenant) =>
  (await t.admin.query('SELECT id, name, permissions FROM tenantry.roles WHERE tenant_id = $1 ORDER BY name', [tenant.id])).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants as [Tenant, Tenant];
});
afterAll(() => t?.close());

describe('members with built-in roles', () => {
  it('adds members and gives each the permissions of its role', async () => {
    const [ada, bob] = [user('ada'), user('bob')];
    await inTenant(a, (s) => members.add(s, { userId: ada, role: 'owner' }, owner));
    await inTenant(a, (s) => members.add(s, { userId: bob, role: 'viewer' }, owner));
    const found = await inTenant(a, (s) => members.get(s, bob));
    expect(found).toMatchObject({ userId: bob, role: 'viewer', roleName: 'viewer' });
    expect(hasPermission(found, 'members:read')).toBe(true);
    expect(hasPermission(found, 'members:write')).toBe(false);
    const listed = await inTenant(a, (s) => members.list(s));
    expect(listed.map((m) => m.userId)).toEqual(expect.arrayContaining([ada, bob]));
  });

  it('refuses a user twice, an unknown role and a malformed user id, writing nothing', async () => {
    const cid = user('cid');
    await inTenant(a, (s) => members.add(s, { userId: cid, role: 'member' }, owner));
    const before = await storedMembers(a);
    expect(await codeOf(inTenant(a, (s) => members.add(s, { userId: cid, role: 'admin' }, owner)))).toBe('MEMBER_ALREADY_EXISTS');
    expect(await codeOf(inTenant(a, (s) => members.add(s, { userId: user('x'), role: 'superuser' }, owner)))).toBe('ROLE_NOT_FOUND');
    expect(await codeOf(inTenant(a, (s) => members.add(s, { userId: 'line\nbreak', role: 'member' }, owner)))).toBe('CONTROL_FIELD_INVALID');
    expect(await storedMembers(a)).toEqual(before);
  });

  it('lets no actor grant more than it holds: an admin can make an admin but not an owner, nor demote one', async () => {
    const [dee, eve, boss] = [user('dee'), user('eve'), user('boss')];
    await inTenant(a, (s) => members.add(s, { userId: boss, role: 'owner' }, owner));
    await inTenant(a, (s) => members.add(s, { userId: dee, role: 'admin' }, adminActor));
    expect(await codeOf(inTenant(a, (s) => members.add(s, { userId: eve, role: 'owner' }, adminActor)))).toBe('PERMISSION_ESCALATION');
    expect(await codeOf(inTenant(a, (s) => members.changeRole(s, dee, 'owner', adminActor)))).toBe('PERMISSION_ESCALATION');
    expect(await codeOf(inTenant(a, (s) => members.changeRole(s, boss, 'viewer', adminActor)))).toBe('PERMISSION_ESCALATION');
    expect(await codeOf(inTenant(a, (s) => members.remove(s, boss, adminActor)))).toBe('PERMISSION_ESCALATION');
    expect((await inTenant(a, (s) => members.get(s, boss))).role).toBe('owner');
    expect(await inTenant(a, (s) => members.tryGet(s, eve))).toBeUndefined();
  });

  it('commits with the caller\'s transaction, and a rollback undoes the change', async () => {
    const fay = user('fay');
    await errorOf(t.db.transaction(a.id, async (tx) => {
      await members.add(tx, { userId: fay, role: 'member' }, owner);
      throw new Error('the request failed later');
    }));
    expect(await inTenant(a, (s) => members.tryGet(s, fay))).toBeUndefined();
  });
});

describe('the last owner', () => {
  async function tenantWithOwners(...owners: string[]) {
    const tenant = await t.registry.create({ slug: `owners-${(serial += 1)}` });
    for (const o of owners) await inTenant(tenant, (s) => members.add(s, { userId: o, role: 'owner' }, owner));
    return tenant;
  }

  it('can be neither removed nor demoted, and can once another owner exists', async () => {
    const [only, next] = [user('only'), user('next')];
    const tenant = await tenantWithOwners(only);
    expect(await codeOf(inTenant(tenant, (s) => members.remove(s, only, owner)))).toBe('MEMBER_LAST_OWNER');
    expect(await codeOf(inTenant(tenant, (s) => members.changeRole(s, only, 'admin', owner)))).toBe('MEMBER_LAST_OWNER');
    expect((await inTenant(tenant, (s) => members.get(s, only))).role).toBe('owner');
    await inTenant(tenant, (s) => members.add(s, { userId: next, role: 'owner' }, owner));
    await inTenant(tenant, (s) => members.changeRole(s, only, 'admin', owner));
    expect(await codeOf(inTenant(tenant, (s) => members.remove(s, next, owner)))).toBe('MEMBER_LAST_OWNER');
  });

  it('stays an owner when a second demotion waits for a first one still in flight', async () => {
    const [o1, o2] = [user('o1'), user('o2')];
    const tenant = await tenantWithOwners(o1, o2);
    let release!: () => void;
    let changed!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const didChange = new Promise<void>((resolve) => (changed = resolve));
    // The first demotion is done but not committed: its transaction holds the owner rows.
    const first = t.db.transaction(tenant.id, async (tx) => {
      await members.changeRole(tx, o1, 'member', owner);
      changed();
      await held;
    });
    await didChange;
    const second = errorOf(t.db.transaction(tenant.id, (tx) => members.changeRole(tx, o2, 'member', owner)));
    // Wait (on the server's own account, not a timer) until the second blocks on those locks.
    const waitingOnLock = async () =>
      (await t.admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%builtin_role = ''owner''%FOR UPDATE%'`,
      )).rows[0]?.n ?? 0;
    try {
      await vi.waitFor(async () => expect(await waitingOnLock()).toBeGreaterThan(0), { timeout: 20_000, interval: 1 }).catch(() => undefined);
      expect(await waitingOnLock()).toBe(1);
    } finally {
      release();
      await first;
    }
    expect((await second as { code?: string } | undefined)?.code).toBe('MEMBER_LAST_OWNER');
    expect((await storedMembers(tenant)).filter((m) => m.builtin_role === 'owner')).toEqual([expect.objectContaining({ user_id: o2 })]);
  });

  it('lets exactly one of two concurrent demotions of the last two owners succeed, every time', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [o1, o2] = [user('c1'), user('c2')];
      const tenant = await tenantWithOwners(o1, o2);
      const outcomes = await Promise.allSettled([
        t.db.transaction(tenant.id, (tx) => members.changeRole(tx, o1, 'admin', owner)),
        t.db.transaction(tenant.id, (tx) => members.changeRole(tx, o2, 'viewer', owner)),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((refused.reason as { code?: string }).code).toBe('MEMBER_LAST_OWNER');
      expect((await storedMembers(tenant)).filter((m) => m.builtin_role === 'owner')).toHaveLength(1);
    }
  });
});

describe('custom roles', () => {
  it('are made of permissions, and their members get changes to them at once', async () => {
    const support = await inTenant(a, (s) => roles.create(s, { name: 'support', description: 'Help desk', permissions: ['members:read', 'audit:read'] }, owner));
    expect(support).toMatchObject({ name: 'support', permissions: ['members:read', 'audit:read'] });
    const gus = user('gus');
    const added = await inTenant(a, (s) => members.add(s, { userId: gus, role: support.id }, owner));
    expect(added).toMatchObject({ role: support.id, roleName: 'support', permissions: ['members:read', 'audit:read'] });
    await inTenant(a, (s) => roles.update(s, support.id, { permissions: ['members:read'] }, owner));
    expect((await inTenant(a, (s) => members.get(s, gus))).permissions).toEqual(['members:read']);
    expect((await inTenant(a, (s) => roles.list(s))).map((r) => r.name)).toContain('support');
  });

  it('refuses unknown permissions, built-in and duplicate names, and permissions the actor lacks', async () => {
    await inTenant(a, (s) => roles.create(s, { name: 'billing', permissions: ['tenant:read'] }, owner));
    const before = await storedRoles(a);
    expect(await codeOf(inTenant(a, (s) => roles.create(s, { name: 'x', permissions: ['members:root' as never] }, owner)))).toBe('PERMISSION_INVALID');
    expect(await codeOf(inTenant(a, (s) => roles.create(s, { name: 'owner', permissions: [] }, owner)))).toBe('ROLE_NAME_TAKEN');
    expect(await codeOf(inTenant(a, (s) => roles.create(s, { name: 'billing', permissions: [] }, owner)))).toBe('ROLE_NAME_TAKEN');
    expect(await codeOf(inTenant(a, (s) => roles.create(s, { name: 'deleter', permissions: ['tenant:delete'] }, adminActor)))).toBe('PERMISSION_ESCALATION');
    expect(await storedRoles(a)).toEqual(before);
    // Another tenant may use the same name: names are unique per tenant only.
    await inTenant(b, (s) => roles.create(s, { name: 'billing', permissions: ['tenant:read'] }, owner));
  });

  it('cannot be deleted while a member holds it, and can afterwards', async () => {
    const temp = await inTenant(a, (s) => roles.create(s, { name: 'temp', permissions: ['tenant:read'] }, owner));
    const hal = user('hal');
    await inTenant(a, (s) => members.add(s, { userId: hal, role: temp.id }, owner));
    expect(await codeOf(inTenant(a, (s) => roles.delete(s, temp.id, owner)))).toBe('ROLE_IN_USE');
    await inTenant(a, (s) => members.changeRole(s, hal, 'viewer', owner));
    await inTenant(a, (s) => roles.delete(s, temp.id, owner));
    expect(await inTenant(a, (s) => roles.tryGet(s, temp.id))).toBeUndefined();
  });
});

describe("another tenant's members and roles", () => {
  it('are not found through tenant B\'s handles, and nothing of them changes', async () => {
    const ida = user('ida');
    const secret = await inTenant(a, (s) => roles.create(s, { name: 'a-only', permissions: ['members:read'] }, owner));
    await inTenant(a, (s) => members.add(s, { userId: ida, role: secret.id }, owner));
    const [membersBefore, rolesBefore] = [await storedMembers(a), await storedRoles(a)];

    expect(await inTenant(b, (s) => members.tryGet(s, ida))).toBeUndefined();
    expect(await codeOf(inTenant(b, (s) => members.get(s, ida)))).toBe('MEMBER_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => members.changeRole(s, ida, 'viewer', owner)))).toBe('MEMBER_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => members.remove(s, ida, owner)))).toBe('MEMBER_NOT_FOUND');
    expect((await inTenant(b, (s) => members.list(s))).map((m) => m.userId)).not.toContain(ida);
    expect(await codeOf(inTenant(b, (s) => roles.get(s, secret.id)))).toBe('ROLE_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => roles.update(s, secret.id, { permissions: [] }, owner)))).toBe('ROLE_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => roles.delete(s, secret.id, owner)))).toBe('ROLE_NOT_FOUND');
    // B cannot give its own member A's role either.
    expect(await codeOf(inTenant(b, (s) => members.add(s, { userId: user('jo'), role: secret.id }, owner)))).toBe('ROLE_NOT_FOUND');
    expect((await inTenant(b, (s) => roles.list(s))).map((r) => r.id)).not.toContain(secret.id);

    expect(await storedMembers(a)).toEqual(membersBefore);
    expect(await storedRoles(a)).toEqual(rolesBefore);
  });
});
