// Identifiers from tokens are compared exactly as issued (issue 13): a JWT whose `sub` was
// " a-owner", "a-owner\t" or "\na-owner" acted as the owner a-owner, because the member lookup
// trimmed it, and the audit recorded the actor with the space.
/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let tenantId: string;

beforeAll(async () => {
  api = await startApiServer(1);
  tenantId = api.t.tenants[0]!.id;
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
