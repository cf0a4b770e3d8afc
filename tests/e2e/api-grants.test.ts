// A credential never outlives its grant (issue 13): an admin's key kept adding members after
// the admin was demoted, and a removed member's key still read. Each credential (API key,
// invitation, impersonation) is tried after its creator is demoted, removed, has their custom
// role narrowed, or has their custom role deleted.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLE_PERMISSIONS } from 'tenantry/control';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

let api: ApiServer;
let tenantId: string;
let owner: Call;

beforeAll(async () => {
  api = await startApiServer(1);
  tenantId = api.t.tenants[0]!.id;
  owner = { token: await api.member(tenantId, 'owner', 'owner') };
});
afterAll(() => api?.close());

const as = (call: Call, body?: unknown): Call => (body === undefined ? call : { ...call, body });
/** A new member with a built-in role, and their JWT. */
async function newMember(role: string): Promise<{ userId: string; call: Call }> {
  const userId = `u-${randomUUID()}`;
  const res = await api.request('POST', '/v1/tenant/members', as(owner, { userId, role }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { userId, call: { token: await api.jwt(userId, tenantId) } };
}
async function keyOf(creator: Call, scopes: string[]): Promise<Call> {
  const res = await api.request('POST', '/v1/tenant/api-keys', as(creator, { name: 'k', scopes }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { apiKey: res.body.key };
}
async function customRole(permissions: string[]): Promise<string> {
  const res = await api.request('POST', '/v1/tenant/roles', as(owner, { name: `r-${randomUUID().slice(0, 8)}`, permissions }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return String(res.body.id);
}
const setRole = (userId: string, role: string) => api.request('PATCH', `/v1/tenant/members/${userId}`, as(owner, { role }));
const addMember = (call: Call) => api.request('POST', '/v1/tenant/members', as(call, { userId: `x-${randomUUID()}`, role: 'viewer' }));
// Adding a viewer needs every viewer permission besides members:write (the grant rule).
const ADMIN_SCOPES: string[] = [...BUILT_IN_ROLE_PERMISSIONS.admin];

describe('an API key', () => {
  it('loses what its creator lost when demoted, and gets nothing back beyond its scopes', async () => {
    const admin = await newMember('admin');
    const key = await keyOf(admin.call, ADMIN_SCOPES);
    expect((await addMember(key)).status).toBe(201);
    expect((await setRole(admin.userId, 'viewer')).status).toBe(200);
    const refused = await addMember(key);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
    // Nor may it promote its creator back.
    expect((await api.request('PATCH', `/v1/tenant/members/${admin.userId}`, as(key, { role: 'admin' }))).status).toBe(403);
    expect((await api.request('GET', '/v1/tenant/members', key)).status).toBe(200);
    const listed = (await api.request('GET', '/v1/tenant/api-keys', owner)).body.items as { createdBy: string; scopes: string[]; effectiveScopes: string[] }[];
    const mine = listed.find((k) => k.createdBy === `user:${admin.userId}`);
    expect(mine?.scopes).toEqual(ADMIN_SCOPES);
    expect(mine?.effectiveScopes).toEqual(BUILT_IN_ROLE_PERMISSIONS.viewer);
    expect((await setRole(admin.userId, 'admin')).status).toBe(200);
    expect((await addMember(key)).status).toBe(201);
  });

  it('is revoked when its creator is removed, and stays revoked if they come back', async () => {
    const admin = await newMember('admin');
    const key = await keyOf(admin.call, ADMIN_SCOPES);
    expect((await api.request('DELETE', `/v1/tenant/members/${admin.userId}`, owner)).status).toBe(204);
    const res = await api.request('GET', '/v1/tenant/members', key);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('API_KEY_INVALID');
    const listed = await api.request('GET', '/v1/tenant/api-keys', owner);
    expect(listed.body.items ?? listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ createdBy: `user:${admin.userId}`, status: 'revoked' })]));
    await api.request('POST', '/v1/tenant/members', as(owner, { userId: admin.userId, role: 'admin' }));
    expect((await api.request('GET', '/v1/tenant/members', key)).status).toBe(401);
  });

  it("narrows with its creator's custom role, and when that role is replaced and deleted", async () => {
    const role = await customRole(ADMIN_SCOPES);
    const { userId, call } = await newMember('viewer');
    expect((await setRole(userId, role)).status).toBe(200);
    const key = await keyOf(call, ADMIN_SCOPES);
    expect((await addMember(key)).status).toBe(201);
    expect((await api.request('PATCH', `/v1/tenant/roles/${role}`, as(owner, { permissions: ['members:read'] }))).status).toBe(200);
    expect((await addMember(key)).status).toBe(403);
    expect((await api.request('GET', '/v1/tenant/members', key)).status).toBe(200);
    expect((await setRole(userId, 'viewer')).status).toBe(200);
    expect((await api.request('DELETE', `/v1/tenant/roles/${role}`, owner)).status).toBe(204);
    expect((await api.request('GET', '/v1/tenant/api-keys', key)).status).toBe(403);
    expect((await api.request('GET', '/v1/tenant/members', key)).status).toBe(200);
  });

  it('made by another key, ends with the key that made it', async () => {
    const admin = await newMember('admin');
    const parent = await keyOf(admin.call, ADMIN_SCOPES);
    const child = await keyOf(parent, ['members:read']);
    expect((await api.request('GET', '/v1/tenant/members', child)).status).toBe(200);
    const parentId = (await api.request('GET', '/v1/tenant/api-keys', owner)).body;
    const items = (parentId.items ?? parentId) as { id: string; createdBy: string }[];
    const made = items.find((k) => k.createdBy === `user:${admin.userId}`);
    expect((await api.request('POST', `/v1/tenant/api-keys/${made!.id}/revoke`, owner)).status).toBe(200);
    expect((await api.request('GET', '/v1/tenant/members', child)).status).toBe(401);
  });
});

describe('an invitation', () => {
  async function invite(sender: Call, role: string): Promise<{ token: string; accept: () => ReturnType<ApiServer['request']> }> {
    const email = `${randomUUID()}@example.com`;
    const res = await api.request('POST', '/v1/tenant/invitations', as(sender, { email, role }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const invitee = await api.jwt(`inv-${randomUUID()}`, tenantId, { email, email_verified: true });
    return { token: res.body.token, accept: () => api.request('POST', '/v1/tenant/invitations/accept', { token: invitee, body: { token: res.body.token } }) };
  }
  const lapsed = (res: { status: number; body: { code?: string } }) => {
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('INVITATION_GRANT_LAPSED');
  };

  it('fails at accept when its sender was demoted below its role', async () => {
    const admin = await newMember('admin');
    const inv = await invite(admin.call, 'admin');
    await setRole(admin.userId, 'member');
    lapsed(await inv.accept());
  });

  it('resent by someone who may grant its role, is theirs and can be accepted again', async () => {
    const admin = await newMember('admin');
    const email = `${randomUUID()}@example.com`;
    const sent = await api.request('POST', '/v1/tenant/invitations', as(admin.call, { email, role: 'admin' }));
    await setRole(admin.userId, 'member');
    const resent = await api.request('POST', `/v1/tenant/invitations/${sent.body.invitation.id}/resend`, owner);
    expect(resent.body.invitation.invitedBy).toBe('user:owner');
    const invitee = await api.jwt(`inv-${randomUUID()}`, tenantId, { email, email_verified: true });
    expect((await api.request('POST', '/v1/tenant/invitations/accept', { token: invitee, body: { token: resent.body.token } })).status).toBe(200);
  });

  it('is revoked when its sender is removed', async () => {
    const admin = await newMember('admin');
    const inv = await invite(admin.call, 'viewer');
    await api.request('DELETE', `/v1/tenant/members/${admin.userId}`, owner);
    expect((await inv.accept()).body.code).toBe('INVITATION_REVOKED');
  });

  it("fails when its sender's custom role was narrowed, or replaced and deleted", async () => {
    const role = await customRole(['invitations:read', 'invitations:write', 'members:read', 'tenant:read', 'roles:read', 'settings:read', 'domains:read', 'usage:read']);
    const { userId, call } = await newMember('viewer');
    await setRole(userId, role);
    const first = await invite(call, 'viewer');
    const second = await invite(call, 'viewer');
    expect((await api.request('PATCH', `/v1/tenant/roles/${role}`, as(owner, { permissions: ['invitations:read', 'invitations:write', 'tenant:read'] }))).status).toBe(200);
    lapsed(await first.accept());
    await setRole(userId, 'member');
    expect((await api.request('DELETE', `/v1/tenant/roles/${role}`, owner)).status).toBe(204);
    // A member holds every viewer permission: the invitation is within the sender's grant again.
    expect((await second.accept()).status).toBe(200);
  });

  it("sent while impersonating, fails once the operator is disabled", async () => {
    const ops = await api.control.operators.create({ email: `ops-${randomUUID()}@platform.example`, displayName: 'Cy' });
    const { token: opToken } = await api.control.operators.createToken(ops.id, { name: 't' });
    const session = await api.request('POST', `/v1/tenants/${tenantId}/impersonations`, { token: opToken, body: { reason: 'grants test', durationMinutes: 10 } });
    expect(session.status).toBe(201);
    const inv = await invite({ token: session.body.token }, 'viewer');
    await api.control.operators.disable(ops.id);
    expect((await api.request('GET', '/v1/tenant/members', { token: session.body.token })).status).toBe(401);
    lapsed(await inv.accept());
  });
});
