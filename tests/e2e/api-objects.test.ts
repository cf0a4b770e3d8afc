// Object-level isolation and request hygiene of the tenant routes, through a real listening
// server: tenant A's owner asking for tenant B's members, invitations and keys by id gets 404
// and changes nothing; malformed, oversized or over-specified requests are 4xx problem+json
// and write nothing; the OpenAPI document and the reference page describe every route.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from 'tenantry/control';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

let api: ApiServer;
let ownerA: string;
let b: { tenantId: string; invitationId: string; keyId: string; roleId: string; domain: string; origin: string; secretId: string };

beforeAll(async () => {
  api = await startApiServer(2);
  const [tenantA, tenantB] = api.t.tenants;
  ownerA = await api.member(tenantA!.id, 'owner-a', 'owner');
  await api.member(tenantB!.id, 'owner-b', 'owner');
  await api.member(tenantB!.id, 'viewer-b', 'viewer');
  const made = await api.t.db.withTenant(tenantB!.id, async (scope) => ({
    invitation: (await api.control.invitations.create(scope, { email: 'b@example.com', role: 'viewer' }, systemActor('test'))).invitation,
    keyId: (await api.control.apiKeys.create(scope, { name: 'b', scopes: ['members:read'] }, systemActor('test'))).apiKey.id,
    roleId: (await api.control.roles.create(scope, { name: 'auditor-b', permissions: ['audit:read'] }, systemActor('test'))).id,
    domain: (await api.control.domains.add(scope, 'shop.tenant-b.example')).domain,
    origin: await api.control.origins.add(scope, 'https://app.tenant-b.example'),
    secretId: (await api.control.signingSecrets.rotate(scope)).id,
  }));
  b = { tenantId: tenantB!.id, invitationId: made.invitation.id, keyId: made.keyId, roleId: made.roleId, domain: made.domain, origin: made.origin, secretId: made.secretId };
});
afterAll(() => api?.close());

const stateOfB = () => api.t.db.withTenant(b.tenantId, async (scope) => ({
  members: await api.control.members.list(scope),
  invitation: await api.control.invitations.get(scope, b.invitationId),
  key: await api.control.apiKeys.get(scope, b.keyId),
  role: await api.control.roles.get(scope, b.roleId),
  domain: await api.control.domains.get(scope, b.domain),
  origins: await api.control.origins.list(scope),
  secrets: await api.control.signingSecrets.list(scope),
}));
const countMembersOfA = async () => (await api.t.db.withTenant(api.t.tenants[0]!.id, (scope) => api.control.members.list(scope))).length;

describe('another tenant\'s objects', () => {
  it.each([
    ['GET', '/v1/tenant/members/viewer-b', undefined, 'MEMBER_NOT_FOUND'],
    ['PATCH', '/v1/tenant/members/viewer-b', { role: 'admin' }, 'MEMBER_NOT_FOUND'],
    ['DELETE', '/v1/tenant/members/viewer-b', undefined, 'MEMBER_NOT_FOUND'],
    ['GET', '/v1/tenant/invitations/:inv', undefined, 'INVITATION_NOT_FOUND'],
    ['POST', '/v1/tenant/invitations/:inv/revoke', undefined, 'INVITATION_NOT_FOUND'],
    ['POST', '/v1/tenant/invitations/:inv/resend', undefined, 'INVITATION_NOT_FOUND'],
    ['GET', '/v1/tenant/api-keys/:key', undefined, 'API_KEY_NOT_FOUND'],
    ['POST', '/v1/tenant/api-keys/:key/revoke', undefined, 'API_KEY_NOT_FOUND'],
    ['GET', '/v1/tenant/roles/:role', undefined, 'ROLE_NOT_FOUND'],
    ['PATCH', '/v1/tenant/roles/:role', { permissions: ['members:write'] }, 'ROLE_NOT_FOUND'],
    ['DELETE', '/v1/tenant/roles/:role', undefined, 'ROLE_NOT_FOUND'],
    ['GET', '/v1/tenant/domains/:domain', undefined, 'DOMAIN_NOT_FOUND'],
    ['POST', '/v1/tenant/domains/:domain/verify', undefined, 'DOMAIN_NOT_FOUND'],
    ['DELETE', '/v1/tenant/domains/:domain', undefined, 'DOMAIN_NOT_FOUND'],
    ['POST', '/v1/tenant/origins/remove', { origin: 'https://app.tenant-b.example' }, 'ORIGIN_NOT_FOUND'],
  ] as const)('answers %s %s with 404 and leaves tenant B unchanged', async (method, template, body, code) => {
    const before = await stateOfB();
    const path = template.replace(':inv', b.invitationId).replace(':key', b.keyId).replace(':role', b.roleId).replace(':domain', b.domain);
    const res = await api.request(method, path, { token: ownerA, ...(body === undefined ? {} : { body }) });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code });
    expect(await stateOfB()).toEqual(before);
  });

  it('never lists tenant B\'s members, invitations or keys to tenant A', async () => {
    const members = await api.request('GET', '/v1/tenant/members', { token: ownerA });
    const invitations = await api.request('GET', '/v1/tenant/invitations', { token: ownerA });
    const keys = await api.request('GET', '/v1/tenant/api-keys', { token: ownerA });
    expect(members.body.items.map((m: { userId: string }) => m.userId)).toEqual(['owner-a']);
    expect(invitations.body.items).toEqual([]);
    expect(keys.body.items).toEqual([]);
  });

  it("never lists tenant B's roles, domains, origins or signing secrets to tenant A", async () => {
    const list = async (path: string) => (await api.request('GET', path, { token: ownerA })).body.items;
    expect((await list('/v1/tenant/roles')).map((r: { id: string }) => r.id)).not.toContain(b.roleId);
    expect((await list('/v1/tenant/domains')).map((d: { domain: string }) => d.domain)).not.toContain(b.domain);
    expect(await list('/v1/tenant/origins')).not.toContain(b.origin);
    expect((await list('/v1/tenant/signing-secrets')).map((x: { id: string }) => x.id)).not.toContain(b.secretId);
  });

  it('refuses a JWT whose tenant claim names B together with an API key of A', async () => {
    const keyOfA = await api.apiKey(api.t.tenants[0]!.id, ['members:read']);
    const res = await api.request('GET', '/v1/tenant/members', { apiKey: keyOfA, token: await api.jwt('owner-b', b.tenantId) });
    expect(res.body).toMatchObject({ status: 400, code: 'TENANT_AMBIGUOUS' });
  });
});

describe('malformed requests', () => {
  it.each([
    ['malformed JSON', { raw: '{"userId": "x", ' }],
    ['an unknown field', { body: { userId: 'x', role: 'viewer', admin: true } }],
    ['a missing field', { body: { userId: 'x' } }],
    ['a body over the limit', { raw: JSON.stringify({ userId: 'x'.repeat(70 * 1024), role: 'viewer' }) }, 413, 'REQUEST_BODY_TOO_LARGE'],
  ] as [string, Call, number?, string?][])('answers %s with a problem+json 4xx and adds no member', async (_name, call, status = 400, code = 'REQUEST_INVALID') => {
    const before = await countMembersOfA();
    const res = await api.request('POST', '/v1/tenant/members', { token: ownerA, ...call });
    expect(res.status).toBe(status);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code });
    expect(await countMembersOfA()).toBe(before);
  });

  it('answers an id that is not a UUID with 400 and revokes nothing', async () => {
    for (const path of ['/v1/tenant/invitations/123/revoke', '/v1/tenant/api-keys/not-a-uuid/revoke']) {
      const res = await api.request('POST', path, { token: ownerA });
      expect(res.body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    }
  });

  it('rejects an API key scope that is not a permission', async () => {
    const keys = async () => (await api.request('GET', '/v1/tenant/api-keys', { token: ownerA })).body.items.length;
    const before = await keys();
    const res = await api.request('POST', '/v1/tenant/api-keys', { token: ownerA, body: { name: 'x', scopes: ['root'] } });
    expect(res.body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    expect(await keys()).toBe(before);
  });

  it('answers an unknown path under /v1/tenant with 404 ROUTE_NOT_FOUND, credentials or not', async () => {
    expect((await api.request('GET', '/v1/tenant/nothing')).body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
    expect((await api.request('GET', '/v1/tenant/nothing', { token: ownerA })).body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });
});

describe('invitation round trip', () => {
  it('shows the token once, and accepting it as the signed-in user makes them a member', async () => {
    const created = await api.request('POST', '/v1/tenant/invitations', { token: ownerA, body: { email: 'new@example.com', role: 'member' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^tnt_inv_/);
    const listed = await api.request('GET', '/v1/tenant/invitations', { token: ownerA });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const newcomer = await api.jwt('newcomer', api.t.tenants[0]!.id, { email: 'new@example.com', email_verified: true });
    const accepted = await api.request('POST', '/v1/tenant/invitations/accept', { token: newcomer, body: { token: created.body.token } });
    expect(accepted.body).toMatchObject({ member: { userId: 'newcomer', role: 'member' }, invitation: { status: 'accepted' } });
    expect((await api.request('GET', '/v1/tenant/members/newcomer', { token: newcomer })).status).toBe(200);
  });
});

describe('API keys', () => {
  it('shows a created key once and the key then authenticates with its scopes', async () => {
    const created = await api.request('POST', '/v1/tenant/api-keys', { token: ownerA, body: { name: 'ci', scopes: ['members:read'] } });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect((await api.request('GET', '/v1/tenant/members', { apiKey: key })).status).toBe(200);
    expect(JSON.stringify((await api.request('GET', '/v1/tenant/api-keys', { token: ownerA })).body)).not.toContain(key);
    await api.request('POST', `/v1/tenant/api-keys/${created.body.apiKey.id}/revoke`, { token: ownerA });
    expect((await api.request('GET', '/v1/tenant/members', { apiKey: key })).body).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document with every /v1 route and its schemas', async () => {
    const { body: doc } = await api.request('GET', '/openapi.json');
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
    const routes = operations.map((o) => o.route);
    for (const route of [
      'POST /v1/tenants', 'GET /v1/tenants', 'GET /v1/tenants/{id}', 'POST /v1/tenants/{id}/suspend', 'POST /v1/tenants/{id}/restore',
      'POST /v1/tenants/{id}/offboard', 'DELETE /v1/tenants/{id}', 'GET /v1/tenant/members', 'POST /v1/tenant/members',
      'PATCH /v1/tenant/members/{userId}', 'DELETE /v1/tenant/members/{userId}', 'POST /v1/tenant/invitations', 'GET /v1/tenant/invitations',
      'POST /v1/tenant/invitations/{id}/revoke', 'POST /v1/tenant/invitations/{id}/resend', 'POST /v1/tenant/invitations/accept',
      'POST /v1/tenant/api-keys', 'GET /v1/tenant/api-keys', 'POST /v1/tenant/api-keys/{id}/revoke',
    ]) expect(routes).toContain(route);
    for (const { route, op } of operations) {
      expect(op.responses, route).toBeDefined();
      expect(op.security, route).toBeDefined();
    }
    const create = doc.paths['/v1/tenant/members'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false, required: ['userId', 'role'] });
    expect(doc.paths['/v1/tenants/{id}'].get.parameters).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'id', in: 'path', schema: expect.objectContaining({ format: 'uuid' }) }),
      expect.objectContaining({ name: 'deleted', in: 'query', required: false }),
    ]));
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['operatorToken', 'apiKey', 'bearerJwt', 'scimToken', 'impersonationToken']);
  });

  it('documents the problem+json error response of every operation, and the impersonation credential', async () => {
    const { body: doc } = await api.request('GET', '/openapi.json');
    expect(doc.components.schemas.Problem.required).toEqual(expect.arrayContaining(['code', 'status']));
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(operation.responses.default?.content?.['application/problem+json'], `${method} ${path}`).toEqual({ schema: { $ref: '#/components/schemas/Problem' } });
      }
    }
    expect(doc.paths['/v1/tenant/members'].get.security).toContainEqual({ impersonationToken: [] });
  });

  it('serves a reference page that renders the document without any other host', async () => {
    const res = await api.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/html/);
    expect(res.body).toContain("fetch('/openapi.json')");
    expect(res.body).not.toMatch(/src="https?:/);
  });
});
