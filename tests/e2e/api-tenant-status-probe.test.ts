// A valid token of a non-member naming a suspended, offboarding or deleted tenant was refused
// with TENANT_SUSPENDED / TENANT_NOT_ACTIVE / TENANT_NOT_FOUND before membership was checked,
// while an active or unknown tenant answered 403: any valid token could tell which tenants
// exist and which are suspended (issue 13). A non-member now gets one answer; a member still
// learns why they are refused. Sent with an API key of another tenant, the same token told an
// unknown or suspended tenant (403) from an active one (400 TENANT_AMBIGUOUS): now always 400.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type Reply } from './support/api-server.js';

let api: ApiServer;
let home: string;
const named: Record<'unknown' | 'active' | 'suspended' | 'offboarding' | 'deleted', string> = {
  unknown: randomUUID(), active: '', suspended: '', offboarding: '', deleted: '',
};

beforeAll(async () => {
  api = await startApiServer(5);
  const ids: string[] = api.t.tenants.map((t) => t.id);
  const [a, b, c, d, e] = ids as [string, string, string, string, string];
  home = a;
  await api.member(home, 'outsider', 'owner');
  for (const [tenant, user] of [[b, 'b-owner'], [c, 'c-owner'], [d, 'd-owner'], [e, 'e-owner']] as const) await api.member(tenant, user, 'owner');
  await api.t.registry.suspend(c);
  await api.t.registry.offboard(d);
  await api.t.registry.offboard(e);
  await api.t.registry.delete(e);
  Object.assign(named, { active: b, suspended: c, offboarding: d, deleted: e });
});
afterAll(() => api?.close());

/** What a client can compare: everything but the per-request id. */
function comparable(reply: Reply): unknown {
  const { requestId: _requestId, instance: _instance, ...body } = reply.body;
  return { status: reply.status, contentType: reply.contentType, body };
}

describe('a valid token of a user who is not a member of the tenant it names', () => {
  it.each([
    ['GET', '/v1/tenant/members', undefined, 'PERMISSION_DENIED'],
    ['POST', '/v1/tenant/roles', { name: 'probe', permissions: ['members:read'] }, 'PERMISSION_DENIED'],
    ['POST', '/v1/tenant/invitations/accept', { token: 'tnt_inv_not_a_real_token' }, 'INVITATION_NOT_FOUND'],
  ])('answers %s %s the same whether the tenant is unknown, active, suspended, offboarding or deleted', async (method, path, body, code) => {
    const answers: Record<string, unknown> = {};
    for (const [status, tenant] of Object.entries(named)) {
      const reply = await api.request(method, path, { token: await api.jwt('outsider', tenant), ...(body === undefined ? {} : { body }) });
      answers[status] = comparable(reply);
    }
    expect((answers.active as { body: { code: string } }).body.code).toBe(code);
    for (const status of Object.keys(named)) expect({ status, answer: answers[status] }).toEqual({ status, answer: answers.active });
  });
});

describe('a valid token sent with an API key of another tenant', () => {
  it('answers TENANT_AMBIGUOUS whether the tenant the token names is unknown, active, suspended, offboarding or deleted', async () => {
    const keyOfA = await api.apiKey(home, ['members:read']);
    const answers: Record<string, unknown> = {};
    for (const [status, tenant] of Object.entries(named)) {
      answers[status] = comparable(await api.request('GET', '/v1/tenant/members', { apiKey: keyOfA, token: await api.jwt('outsider', tenant) }));
    }
    expect((answers.active as { body: { code: string } }).body.code).toBe('TENANT_AMBIGUOUS');
    for (const status of Object.keys(named)) expect({ status, answer: answers[status] }).toEqual({ status, answer: answers.active });
    // A token naming the key's own tenant still goes with it.
    expect((await api.request('GET', '/v1/tenant/members', { apiKey: keyOfA, token: await api.jwt('outsider', home) })).status).toBe(200);
  });
});

describe('a member of a tenant the gate refuses', () => {
  it('is told the tenant is suspended', async () => {
    const reply = await api.request('GET', '/v1/tenant/members', { token: await api.jwt('c-owner', named.suspended) });
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe('TENANT_SUSPENDED');
  });

  it('is told the tenant is not active while it is offboarding', async () => {
    const reply = await api.request('GET', '/v1/tenant/members', { token: await api.jwt('d-owner', named.offboarding) });
    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe('TENANT_NOT_ACTIVE');
  });
});
