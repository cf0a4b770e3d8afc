// The authorization matrix of the tenant routes: every route × the four built-in roles (JWT),
// an API key with one scope and an operator impersonating (an admin who cannot mint access), each expected to be allowed or refused with 403
// PERMISSION_DENIED, through a real listening server. An allowed call gets the answer of the
// operation itself (201, 200, or 404 for the made-up ids).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLE_PERMISSIONS, BUILT_IN_ROLES, IMPERSONATION_PERMISSIONS, type Permission } from 'tenantry/control';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

let api: ApiServer;
const credentials: Record<string, Call> = {};
const KEY_SCOPE: Permission = 'members:read';

beforeAll(async () => {
  api = await startApiServer(1, { jobs: true });
  const tenantId = api.t.tenants[0]!.id;
  for (const role of BUILT_IN_ROLES) credentials[role] = { token: await api.member(tenantId, `user-${role}`, role) };
  credentials.apiKey = { apiKey: await api.apiKey(tenantId, [KEY_SCOPE]) };
  const session = await api.request('POST', `/v1/tenants/${tenantId}/impersonations`, { token: api.operatorToken, body: { reason: 'authorization matrix', durationMinutes: 30 } });
  credentials.impersonation = { token: session.body.token };
});
afterAll(() => api?.close());

interface Route {
  readonly method: string;
  readonly path: () => string;
  readonly access: Permission | 'signed-in-user';
  readonly body?: () => unknown;
  /** The status an allowed caller gets. */
  readonly allowed: number;
}

const unknownId = () => randomUUID();
const ROUTES: readonly Route[] = [
  { method: 'GET', path: () => '/v1/tenant/members', access: 'members:read', allowed: 200 },
  { method: 'GET', path: () => '/v1/tenant/members/user-owner', access: 'members:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/members', access: 'members:write', body: () => ({ userId: `new-${randomUUID()}`, role: 'viewer' }), allowed: 201 },
  { method: 'PATCH', path: () => '/v1/tenant/members/nobody', access: 'members:write', body: () => ({ role: 'viewer' }), allowed: 404 },
  { method: 'DELETE', path: () => '/v1/tenant/members/nobody', access: 'members:write', allowed: 404 },
  { method: 'POST', path: () => '/v1/tenant/invitations', access: 'invitations:write', body: () => ({ email: `${randomUUID()}@example.com`, role: 'viewer' }), allowed: 201 },
  { method: 'GET', path: () => '/v1/tenant/invitations', access: 'invitations:read', allowed: 200 },
  { method: 'GET', path: () => `/v1/tenant/invitations/${unknownId()}`, access: 'invitations:read', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/invitations/${unknownId()}/revoke`, access: 'invitations:write', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/invitations/${unknownId()}/resend`, access: 'invitations:write', allowed: 404 },
  { method: 'POST', path: () => '/v1/tenant/invitations/accept', access: 'signed-in-user', body: () => ({ token: 'tnt_inv_not_a_real_token' }), allowed: 404 },
  { method: 'POST', path: () => '/v1/tenant/api-keys', access: 'apikeys:write', body: () => ({ name: 'ci', scopes: ['tenant:read'] }), allowed: 201 },
  { method: 'GET', path: () => '/v1/tenant/api-keys', access: 'apikeys:read', allowed: 200 },
  { method: 'GET', path: () => `/v1/tenant/api-keys/${unknownId()}`, access: 'apikeys:read', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/api-keys/${unknownId()}/revoke`, access: 'apikeys:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/roles', access: 'roles:read', allowed: 200 },
  { method: 'GET', path: () => `/v1/tenant/roles/${unknownId()}`, access: 'roles:read', allowed: 404 },
  { method: 'POST', path: () => '/v1/tenant/roles', access: 'roles:write', body: () => ({ name: `r-${randomUUID()}`, permissions: ['members:read'] }), allowed: 201 },
  { method: 'PATCH', path: () => `/v1/tenant/roles/${unknownId()}`, access: 'roles:write', body: () => ({ description: 'x' }), allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/roles/${unknownId()}`, access: 'roles:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/origins', access: 'settings:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/origins', access: 'settings:write', body: () => ({ origin: `https://${randomUUID()}.example` }), allowed: 201 },
  { method: 'POST', path: () => '/v1/tenant/origins/remove', access: 'settings:write', body: () => ({ origin: `https://${randomUUID()}.example` }), allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/signing-secrets', access: 'secrets:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/signing-secrets/rotate', access: 'secrets:write', allowed: 201 },
  { method: 'GET', path: () => '/v1/tenant/domains', access: 'domains:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/domains', access: 'domains:write', body: () => ({ domain: `${randomUUID()}.example.com` }), allowed: 201 },
  { method: 'GET', path: () => `/v1/tenant/domains/${unknownId()}.example.com`, access: 'domains:read', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/domains/${unknownId()}.example.com/verify`, access: 'domains:write', allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/domains/${unknownId()}.example.com`, access: 'domains:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/subscription', access: 'usage:read', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/invoices', access: 'usage:read', allowed: 200 },
  { method: 'GET', path: () => `/v1/tenant/invoices/${unknownId()}`, access: 'usage:read', allowed: 404 },
  { method: 'GET', path: () => `/v1/tenant/invoices/${unknownId()}/html`, access: 'usage:read', allowed: 404 },
  { method: 'GET', path: () => `/v1/tenant/invoices/${unknownId()}/pdf`, access: 'usage:read', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/sso/connections', access: 'sso:read', allowed: 200 },
  {
    method: 'POST', path: () => '/v1/tenant/sso/connections', access: 'sso:write', allowed: 201,
    body: () => ({ kind: 'oidc', name: 'IdP', settings: { issuer: 'https://idp.example', clientId: 'c', redirectUri: 'https://app.example/cb' } }),
  },
  { method: 'GET', path: () => `/v1/tenant/sso/connections/${unknownId()}`, access: 'sso:read', allowed: 404 },
  { method: 'PATCH', path: () => `/v1/tenant/sso/connections/${unknownId()}`, access: 'sso:write', body: () => ({ name: 'x' }), allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/sso/connections/${unknownId()}`, access: 'sso:write', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/sso/connections/${unknownId()}/scim-token`, access: 'sso:write', allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/sso/connections/${unknownId()}/scim-token`, access: 'sso:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/sso/issuers', access: 'sso:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/sso/issuers', access: 'sso:write', body: () => ({ issuer: `https://${randomUUID()}.idp.example`, audience: 'app', jwksUrl: 'https://idp.example/keys' }), allowed: 201 },
  { method: 'POST', path: () => '/v1/tenant/sso/issuers/remove', access: 'sso:write', body: () => ({ issuer: `https://${randomUUID()}.idp.example`, audience: 'app' }), allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/sso/domains', access: 'sso:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/sso/domains', access: 'sso:write', body: () => ({ domain: `${randomUUID()}.example.com`, connectionId: unknownId() }), allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/sso/domains/${unknownId()}.example.com/verify`, access: 'sso:write', allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/sso/domains/${unknownId()}.example.com`, access: 'sso:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/usage', access: 'usage:read', allowed: 200 },
  { method: 'GET', path: () => '/v1/tenant/usage/history', access: 'usage:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/usage-events', access: 'usage:write', body: () => ({ events: [{ id: randomUUID(), meter: 'apiCalls', quantity: 1 }] }), allowed: 200 },
  { method: 'GET', path: () => '/v1/tenant/settings', access: 'settings:read', allowed: 200 },
  { method: 'PATCH', path: () => '/v1/tenant/settings', access: 'settings:write', body: () => ({ locale: 'fr-FR' }), allowed: 200 },
  { method: 'GET', path: () => '/v1/tenant/flags', access: 'settings:read', allowed: 200 },
  { method: 'PUT', path: () => '/v1/tenant/flags/beta', access: 'settings:write', body: () => ({ enabled: true }), allowed: 200 },
  { method: 'DELETE', path: () => '/v1/tenant/flags/beta', access: 'settings:write', allowed: 204 },
  { method: 'GET', path: () => '/v1/tenant/branding', access: 'settings:read', allowed: 200 },
  { method: 'PUT', path: () => '/v1/tenant/branding', access: 'settings:write', body: () => ({ name: 'Acme' }), allowed: 200 },
  { method: 'GET', path: () => '/v1/tenant/webhooks', access: 'webhooks:read', allowed: 200 },
  { method: 'POST', path: () => '/v1/tenant/webhooks', access: 'webhooks:write', body: () => ({ url: 'https://hooks.example.com/in', eventTypes: ['member.*'] }), allowed: 201 },
  { method: 'GET', path: () => `/v1/tenant/webhooks/${unknownId()}`, access: 'webhooks:read', allowed: 404 },
  { method: 'PATCH', path: () => `/v1/tenant/webhooks/${unknownId()}`, access: 'webhooks:write', body: () => ({ enabled: false }), allowed: 404 },
  { method: 'DELETE', path: () => `/v1/tenant/webhooks/${unknownId()}`, access: 'webhooks:write', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/webhooks/${unknownId()}/test`, access: 'webhooks:write', allowed: 404 },
  { method: 'GET', path: () => `/v1/tenant/webhooks/${unknownId()}/deliveries`, access: 'webhooks:read', allowed: 404 },
  { method: 'GET', path: () => `/v1/tenant/webhook-deliveries/${unknownId()}`, access: 'webhooks:read', allowed: 404 },
  { method: 'POST', path: () => `/v1/tenant/webhook-deliveries/${unknownId()}/replay`, access: 'webhooks:write', allowed: 404 },
  { method: 'GET', path: () => '/v1/tenant/jobs', access: 'jobs:read', allowed: 200 },
  { method: 'POST', path: () => `/v1/tenant/jobs/tenantry.webhook.deliver/${unknownId()}/retry`, access: 'jobs:write', allowed: 404 },
];

function mayCall(principal: string, access: Route['access']): boolean {
  if (principal === 'apiKey') return access === KEY_SCOPE;
  if (principal === 'impersonation') return access !== 'signed-in-user' && IMPERSONATION_PERMISSIONS.includes(access);
  if (access === 'signed-in-user') return true;
  return BUILT_IN_ROLE_PERMISSIONS[principal as keyof typeof BUILT_IN_ROLE_PERMISSIONS].includes(access);
}

describe.each(ROUTES)('$method $access route', (route) => {
  it.each([...BUILT_IN_ROLES, 'apiKey', 'impersonation'])('answers %s as the matrix says', async (principal) => {
    const body = route.body?.();
    const res = await api.request(route.method, route.path(), { ...credentials[principal], ...(body === undefined ? {} : { body }) });
    if (mayCall(principal, route.access)) {
      expect(res.status, JSON.stringify(res.body)).toBe(route.allowed);
    } else {
      expect(res.status).toBe(403);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'PERMISSION_DENIED', details: { permission: route.access } });
    }
  });
});

/** Routes anyone may call: what each answers here without a credential (the callback's 401 is about its missing sign-in state). */
const PUBLIC_ROUTES: Record<string, (() => Promise<{ status: number; contentType: string }>) & { answers: number }> = {
  'GET /.well-known/jwks.json': Object.assign(() => api.request('GET', '/.well-known/jwks.json'), { answers: 200 }),
  'GET /v1/sso/{tenantId}/{connectionId}/start': Object.assign(() => api.request('GET', `/v1/sso/${unknownId()}/${unknownId()}/start`), { answers: 404 }),
  'GET /v1/sso/discover': Object.assign(() => api.request('GET', '/v1/sso/discover?email=nobody@nowhere.example'), { answers: 404 }),
  'GET /v1/sso/callback': Object.assign(() => api.request('GET', '/v1/sso/callback'), { answers: 401 }),
  'GET /v1/sso/saml/{tenantId}/{connectionId}/start': Object.assign(() => api.request('GET', `/v1/sso/saml/${unknownId()}/${unknownId()}/start`), { answers: 404 }),
  'POST /v1/sso/saml/{tenantId}/{connectionId}/acs': Object.assign(() => api.request('POST', `/v1/sso/saml/${unknownId()}/${unknownId()}/acs`, { body: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=' } }), { answers: 404 }),
  'POST /v1/sso/ldap/{tenantId}/{connectionId}/sign-in': Object.assign(() => api.request('POST', `/v1/sso/ldap/${unknownId()}/${unknownId()}/sign-in`, { body: { username: 'u', password: 'p' } }), { answers: 404 }),
  // This server has no payment provider: the route says so (with one, a bad signature is 401).
  'POST /v1/billing/webhooks/stripe': Object.assign(() => api.request('POST', '/v1/billing/webhooks/stripe', { body: { id: 'evt_1' } }), { answers: 404 }),
};

describe('the matrix covers the API', () => {
  it('lists every tenant route of the OpenAPI document', async () => {
    const { body } = await api.request('GET', '/openapi.json');
    const documented = Object.entries(body.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/v1/tenant/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const template = (path: string) => path
      .replace(/\/invoices\/[0-9a-f-]{36}/, '/invoices/{invoiceId}')
      .replace(/\/jobs\/[^/]+\//, '/jobs/{name}/')
      .replace(/[0-9a-f-]{36}/, '{id}')
      .replace(/\/members\/[^/]+$/, '/members/{userId}')
      .replace(/\/domains\/[^/]+\.example\.com/, '/domains/{domain}')
      .replace(/\/flags\/[^/]+$/, '/flags/{key}');
    const tested = new Set(ROUTES.map((r) => `${r.method} ${template(r.path())}`));
    expect(documented.filter((route) => !tested.has(route))).toEqual([]);
  });

  it('lists every public route (no credential) of the OpenAPI document, each answering without one', async () => {
    const { body } = await api.request('GET', '/openapi.json');
    const open = Object.entries(body.paths as Record<string, Record<string, { security?: unknown[] }>>)
      .flatMap(([path, item]) => Object.entries(item).filter(([, op]) => op.security?.length === 0).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(open.sort()).toEqual(Object.keys(PUBLIC_ROUTES).sort());
    for (const [route, call] of Object.entries(PUBLIC_ROUTES)) {
      const res = await call();
      expect(res.status, route).toBe(call.answers);
      if (res.status >= 400) expect(res.contentType, route).toMatch(/^application\/problem\+json/);
    }
  });

  it('refuses a request without credentials with 401 before any route runs', async () => {
    const res = await api.request('GET', '/v1/tenant/members');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses a signed-in user who is not a member of the tenant', async () => {
    const token = await api.jwt(`stranger-${randomUUID()}`, api.t.tenants[0]!.id);
    const res = await api.request('GET', '/v1/tenant/members', { token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
