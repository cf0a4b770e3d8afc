// Membership and key changes are in the tenant's audit log, with their actor, committed in the
// same transaction as the change — and a change that fails leaves no event behind.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createControlPlane } from './control-plane.js';
import { systemActor } from './permissions.js';

let t: TestTenantry;
let tenant: TenantId;
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
  tenant = (t.tenants[0] as { id: TenantId }).id;
});
afterAll(() => t?.close());

const actions = () => t.db.withTenant(tenant, async (scope) => (await queryAuditEvents(scope, { limit: 100 })).events.filter((e) => !e.action.startsWith('tenant.')).map((e) => `${e.actor} ${e.action} ${e.target ?? ''}`));

describe('auditing control-plane changes', () => {
  it('records member, invitation and API-key changes with their actor and target', async () => {
    const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
    // A real, active operator: an invitation it sent is accepted only while it is (its grant).
    const ada = await control.operators.create({ email: 'ada@platform.example', displayName: 'Ada' });
    const admin = systemActor(`operator:${ada.id}`);
    await t.db.withTenant(tenant, async (scope) => {
      await control.members.add(scope, { userId: 'u1', role: 'owner' }, admin);
      await control.members.add(scope, { userId: 'u2', role: 'member' }, admin);
      await control.members.changeRole(scope, 'u2', 'admin', admin);
      await control.members.remove(scope, 'u2', admin);
      const { invitation, token } = await control.invitations.create(scope, { email: 'new@example.com', role: 'viewer' }, admin);
      await control.invitations.accept(scope, token, { userId: 'u3' });
      const { apiKey } = await control.apiKeys.create(scope, { name: 'ci', scopes: ['tenant:read'] }, admin);
      await control.apiKeys.revoke(scope, apiKey.id, admin);
      expect(invitation.id).toBeTruthy();
    });
    const trail = (await actions()).map((line) => line.replace(ada.id, 'ada'));
    expect(trail).toEqual([
      'operator:ada member.add member:u1',
      'operator:ada member.add member:u2',
      'operator:ada member.role.change member:u2',
      'operator:ada member.remove member:u2',
      expect.stringMatching(/^operator:ada invitation\.create invitation:/),
      expect.stringMatching(/^user:u3 invitation\.accept invitation:/),
      expect.stringMatching(/^operator:ada api_key\.create api_key:/),
      expect.stringMatching(/^operator:ada api_key\.revoke api_key:/),
    ]);
  });

  it('leaves no event for a change that was refused', async () => {
    const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
    const before = (await actions()).length;
    await expect(t.db.withTenant(tenant, (scope) => control.members.remove(scope, 'u1', systemActor('operator:ada')))).rejects.toMatchObject({ code: 'MEMBER_LAST_OWNER' });
    expect((await actions()).length).toBe(before);
  });
});
