// Invitations against a real PostgreSQL: the token is shown once and kept as a hash, accepting
// works once, expiry follows the clock, revoke and resend kill old tokens, and tenant B's handles
// find nothing of tenant A's invitations.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import {
  BUILT_IN_ROLE_PERMISSIONS, createCustomRoles, createInvitations, createMembers, invitationTenantId, systemActor,
  type Actor, type ControlScope,
} from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let serial = 0;
// Time starts at testNow (TENANTRY_TEST_NOW) and moves only when a test moves it.
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const TTL = 24 * 3_600_000;
const invitations = createInvitations({ clock, ttlMs: TTL });
const members = createMembers({ clock });
const roles = createCustomRoles({ clock });
const owner = systemActor('user:owner');
const email = () => `Person.${(serial += 1)}@Example.com`;
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const inTx = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.transaction(tenant.id, fn);
const storedInvitations = async (tenant: Tenant) =>
  (await t.admin.query('SELECT * FROM tenantry.invitations WHERE tenant_id = $1 ORDER BY id', [tenant.id])).rows;
const memberCount = async (tenant: Tenant) => (await t.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.members WHERE tenant_id = $1', [tenant.id])).rows[0]?.n;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  // Invitations are accepted within their sender's current grant: 'user:owner' is a member.
  for (const tenant of [a, b]) await t.db.withTenant(tenant.id, (s) => members.add(s, { userId: 'owner', role: 'owner' }, systemActor('test')));
});
afterAll(() => t?.close());

describe('creating an invitation', () => {
  it('shows the token once and stores only its SHA-256', async () => {
    const { invitation, token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'member' }, owner));
    expect(token).toMatch(/^tnt_inv_[0-9a-f]{32}_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(invitationTenantId(token)).toBe(a.id);
    expect(invitation).toMatchObject({ status: 'pending', role: 'member', invitedBy: 'user:owner', sendCount: 1 });
    expect(invitation.email).toBe(invitation.email.toLowerCase());
    expect(invitation.expiresAt.getTime() - now.getTime()).toBe(TTL);
    const [row] = (await storedInvitations(a)).filter((r) => r.id === invitation.id);
    expect((row?.token_hash as Buffer).equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(JSON.stringify(row)).not.toContain(token.slice(-43));
  });

  it('refuses a second open invitation for the same address, and a role the inviter may not grant', async () => {
    const address = email();
    await inTx(a, (s) => invitations.create(s, { email: address, role: 'viewer' }, owner));
    const before = await storedInvitations(a);
    expect(await codeOf(inTx(a, (s) => invitations.create(s, { email: address.toUpperCase(), role: 'admin' }, owner)))).toBe('INVITATION_PENDING_EXISTS');
    const admin: Actor = { id: 'user:admin', permissions: BUILT_IN_ROLE_PERMISSIONS.admin };
    expect(await codeOf(inTx(a, (s) => invitations.create(s, { email: email(), role: 'owner' }, admin)))).toBe('PERMISSION_ESCALATION');
    expect(await codeOf(inTx(a, (s) => invitations.create(s, { email: 'not-an-address', role: 'viewer' }, owner)))).toBe('CONTROL_FIELD_INVALID');
    expect(await storedInvitations(a)).toEqual(before);
  });
});

describe('accepting', () => {
  it('adds the member with the invited role, once: a second accept fails and adds nobody', async () => {
    const { invitation, token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'admin' }, owner));
    const accepted = await inTx(a, (s) => invitations.accept(s, token, { userId: `u-${serial}` }));
    expect(accepted.member).toMatchObject({ userId: `u-${serial}`, role: 'admin' });
    expect(accepted.invitation).toMatchObject({ status: 'accepted', acceptedBy: `u-${serial}` });
    expect((await inTenant(a, (s) => members.get(s, `u-${serial}`))).role).toBe('admin');
    const count = await memberCount(a);
    expect(await codeOf(inTx(a, (s) => invitations.accept(s, token, { userId: 'someone-else' })))).toBe('INVITATION_ALREADY_ACCEPTED');
    expect(await memberCount(a)).toBe(count);
    expect((await inTenant(a, (s) => invitations.get(s, invitation.id))).status).toBe('accepted');
  });

  it('lets exactly one of two concurrent accepts of one token win', async () => {
    const { token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'viewer' }, owner));
    const outcomes = await Promise.allSettled([
      inTx(a, (s) => invitations.accept(s, token, { userId: `race-1-${serial}` })),
      inTx(a, (s) => invitations.accept(s, token, { userId: `race-2-${serial}` })),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as { code: string }).code).toBe('INVITATION_ALREADY_ACCEPTED');
  });

  it('refuses an expired token, by the clock, and adds nobody', async () => {
    const { token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'viewer' }, owner));
    const count = await memberCount(a);
    const start = now;
    try {
      now = new Date(start.getTime() + TTL);
      expect(await codeOf(inTx(a, (s) => invitations.accept(s, token, { userId: `late-${serial}` })))).toBe('INVITATION_EXPIRED');
      expect(await memberCount(a)).toBe(count);
      now = new Date(start.getTime() + TTL - 1);
      await inTx(a, (s) => invitations.accept(s, token, { userId: `late-${serial}` }));
    } finally {
      now = start;
    }
  });

  it('refuses a user whose address is not the invited one, when the address is given', async () => {
    const address = email();
    const { token } = await inTx(a, (s) => invitations.create(s, { email: address, role: 'viewer' }, owner));
    expect(await codeOf(inTx(a, (s) => invitations.accept(s, token, { userId: `m-${serial}`, email: 'other@example.com' })))).toBe('INVITATION_EMAIL_MISMATCH');
    await inTx(a, (s) => invitations.accept(s, token, { userId: `m-${serial}`, email: address.toUpperCase() }));
  });

  it('refuses any altered token as not found', async () => {
    const { token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'viewer' }, owner));
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.constantFrom(...'0123456789abcdefABCDEF_-x'), async (at, ch) => {
        const altered = token.slice(0, at) + ch + token.slice(at + 1);
        fc.pre(altered !== token);
        // The tenant is part of the token: an altered one may point elsewhere, or nowhere.
        const tenantId = invitationTenantId(altered) === b.id ? b : a;
        expect(await codeOf(inTx(tenantId, (s) => invitations.accept(s, altered, { userId: 'mallory' })))).toBe('INVITATION_NOT_FOUND');
      }),
      { numRuns: 30 },
    );
    expect(await inTenant(a, (s) => members.tryGet(s, 'mallory'))).toBeUndefined();
  });
});

describe('revoking and resending', () => {
  it('revoking stops the token from working', async () => {
    const { invitation, token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'viewer' }, owner));
    expect((await inTx(a, (s) => invitations.revoke(s, invitation.id, owner))).status).toBe('revoked');
    expect(await codeOf(inTx(a, (s) => invitations.accept(s, token, { userId: `r-${serial}` })))).toBe('INVITATION_REVOKED');
    expect(await codeOf(inTx(a, (s) => invitations.resend(s, invitation.id, owner)))).toBe('INVITATION_REVOKED');
  });

  it('resending gives a new token and expiry, and the old token no longer works', async () => {
    const { invitation, token: old } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'viewer' }, owner));
    const start = now;
    try {
      now = new Date(start.getTime() + TTL + 60_000); // expired: a resend renews it
      const resent = await inTx(a, (s) => invitations.resend(s, invitation.id, owner));
      expect(resent.token).not.toBe(old);
      expect(resent.invitation).toMatchObject({ status: 'pending', sendCount: 2 });
      expect(resent.invitation.expiresAt.getTime()).toBe(now.getTime() + TTL);
      expect(await codeOf(inTx(a, (s) => invitations.accept(s, old, { userId: `s-${serial}` })))).toBe('INVITATION_NOT_FOUND');
      await inTx(a, (s) => invitations.accept(s, resent.token, { userId: `s-${serial}` }));
    } finally {
      now = start;
    }
  });

  it('keeps a custom role from being deleted while an open invitation offers it, not after the invitation closed', async () => {
    const role = await inTx(a, (s) => roles.create(s, { name: `guest-${serial}`, permissions: ['tenant:read'] }, owner));
    const { invitation } = await inTx(a, (s) => invitations.create(s, { email: email(), role: role.id }, owner));
    expect(invitation).toMatchObject({ role: role.id, roleName: role.name });
    expect(await codeOf(inTx(a, (s) => roles.delete(s, role.id, owner)))).toBe('ROLE_IN_USE');
    await inTx(a, (s) => invitations.revoke(s, invitation.id, owner));
    await inTx(a, (s) => roles.delete(s, role.id, owner));
    expect(await inTenant(a, (s) => invitations.get(s, invitation.id))).toMatchObject({ status: 'revoked', role: '' });
  });
});

describe("another tenant's invitations", () => {
  it("are not found through tenant B's handles, A's token does not work in B, and nothing of A's changes", async () => {
    const { invitation, token } = await inTx(a, (s) => invitations.create(s, { email: email(), role: 'admin' }, owner));
    const before = await storedInvitations(a);
    expect(await codeOf(inTenant(b, (s) => invitations.get(s, invitation.id)))).toBe('INVITATION_NOT_FOUND');
    expect(await codeOf(inTx(b, (s) => invitations.revoke(s, invitation.id, owner)))).toBe('INVITATION_NOT_FOUND');
    expect(await codeOf(inTx(b, (s) => invitations.resend(s, invitation.id, owner)))).toBe('INVITATION_NOT_FOUND');
    expect(await codeOf(inTx(b, (s) => invitations.accept(s, token, { userId: 'b-user' })))).toBe('INVITATION_NOT_FOUND');
    expect((await inTenant(b, (s) => invitations.list(s))).map((i) => i.id)).not.toContain(invitation.id);
    expect(await codeOf(inTenant(b, (s) => invitations.get(s, 'not-a-uuid')))).toBe('INVITATION_NOT_FOUND');
    expect(await storedInvitations(a)).toEqual(before);
    expect(await inTenant(b, (s) => members.tryGet(s, 'b-user'))).toBeUndefined();
  });
});
