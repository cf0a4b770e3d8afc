// Identifiers from tokens are compared exactly as issued (issue 13): a JWT whose `sub` was
// " a-owner", "a-owner\t" or "\na-owner" acted as the owner a-owner, because the member lookup
// trimmed it, and the audit recorded the actor with the space.
/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let tenantId: string;
let otherTenantId: string;

beforeAll(async () => {
  api = await startApiServer(2);
  tenantId = api.t.tenants[0]!.id;
  otherTenantId = api.t.tenants[1]!.id;
  await api.member(tenantId, 'a-owner', 'owner');
});
afterAll(() => api?.close());

describe('a JWT subject with surrounding whitespace', () => {
  it.each([' a-owner', 'a-owner\t', '\na-owner', 'A-OWNER'])('%j is not the member a-owner', async (sub) => {
    const token = await api.jwt(sub, tenantId);
    const read = await api.request('GET', '/v1/tenant/members', { token });
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('PERMISSION_DENIED');
    const write = await api.request('POST', '/v1/tenant/roles', { token, body: { name: 'sneaky', permissions: ['members:read'] } });
    expect(write.status).toBe(403);
  });

  it('the exact subject still acts as the member', async () => {
    const token = await api.jwt('a-owner', tenantId);
    expect((await api.request('GET', '/v1/tenant/members', { token })).status).toBe(200);
  });

  it('cannot be stored as a member id either (it would never match a token)', async () => {
    const token = await api.jwt('a-owner', tenantId);
    const res = await api.request('POST', '/v1/tenant/members', { token, body: { userId: ' padded', role: 'viewer' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('CONTROL_FIELD_INVALID');
  });
});

// A valid token naming a tenant its user is not a member of answered 403 when the tenant
// existed and 404 TENANT_NOT_FOUND when it did not: any valid token could probe which tenants
// exist (issue 13). Both now answer the same.
describe('a valid token naming a tenant its user does not belong to', () => {
  it.each([
    ['GET', '/v1/tenant/members', undefined],
    ['POST', '/v1/tenant/roles', { name: 'probe', permissions: ['members:read'] }],
    ['POST', '/v1/tenant/invitations/accept', { token: 'tnt_inv_not_a_real_token' }],
  ])('answers %s %s the same whether the tenant exists or not', async (method, path, body) => {
    const answer = async (tenant: string) => {
      const res = await api.request(method, path, { token: await api.jwt('a-owner', tenant), ...(body === undefined ? {} : { body }) });
      return { status: res.status, contentType: res.contentType, code: res.body.code as unknown, details: res.body.details as unknown };
    };
    const existing = await answer(otherTenantId);
    expect(existing.status).toBeGreaterThanOrEqual(400);
    expect(await answer(randomUUID())).toEqual(existing);
    expect(await answer('no-such-slug')).toEqual(existing);
  });
});
