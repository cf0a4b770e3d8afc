// Single sign-on through the API: the JWKS of Tenantry-issued tokens, a tenant admin's
// connections (the client secret never shown), and a token issued after a sign-in accepted by
// the tenant routes' resolver beside the configured issuer's. The OIDC exchange itself is
// tested against a real provider in packages/tenantry/src/identity/oidc-sign-in.int.test.ts.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- response bodies are JSON of unknown shape, checked with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import type { TenantId } from 'tenantry';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let tenantId: TenantId;
let owner: string;

beforeAll(async () => {
  api = await startApiServer(2);
  tenantId = api.t.tenants[0]!.id;
  owner = await api.member(tenantId, 'owner', 'owner');
});
afterAll(() => api?.close());

describe('SSO through the API', () => {
  it('publishes the signing keys, public parts only', async () => {
    const res = await api.request('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(res.body.keys[0]).not.toHaveProperty('d');
  });

  it('lets a tenant admin configure a connection without ever showing its secret, and a member not at all', async () => {
    const body = { kind: 'oidc', name: 'Acme', secret: 'the-client-secret-1234', defaultRole: 'admin', settings: { issuer: 'https://idp.acme.example', clientId: 'tenantry', redirectUri: 'https://app.example/v1/sso/callback' } };
    const created = await api.request('POST', '/v1/tenant/sso/connections', { token: owner, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'oidc', hasSecret: true, defaultRole: 'admin' });
    expect(JSON.stringify(created.body)).not.toContain('the-client-secret-1234');
    const member = await api.member(tenantId, 'plain-member', 'member');
    expect((await api.request('GET', '/v1/tenant/sso/connections', { token: member })).body).toMatchObject({ code: 'PERMISSION_DENIED' });
    const bad = await api.request('POST', '/v1/tenant/sso/connections', { token: owner, body: { ...body, settings: { ...body.settings, issuer: 'ftp://idp.acme.example' } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'SSO_CONNECTION_INVALID', details: { field: 'settings.issuer' } });
  });

  it('accepts a Tenantry token issued after a sign-in on the tenant routes, for its tenant only', async () => {
    const [connection] = await api.t.db.withTenant(tenantId, (s) => api.identity.api.connections.list(s));
    const signedIn = await api.identity.api.signIn.finish(tenantId, connection!, { subject: 'idp-user-1', email: 'ann@acme.example', claims: {} });
    expect(signedIn).toMatchObject({ tenantId, role: 'admin', created: true });
    const members = await api.request('GET', '/v1/tenant/members', { token: signedIn.token });
    expect(members.status).toBe(200);
    expect(members.body.items.map((m: { userId: string }) => m.userId)).toContain(signedIn.userId);
    // The same key set signs a token naming the other tenant: its user is no member there.
    const other = await api.identity.tokens.issue({ tenantId: api.t.tenants[1]!.id, userId: signedIn.userId, role: 'admin' });
    expect((await api.request('GET', '/v1/tenant/members', { token: other.token })).body).toMatchObject({ code: 'PERMISSION_DENIED' });
    // Tampered: refused as any bad token.
    expect((await api.request('GET', '/v1/tenant/members', { token: `${signedIn.token.slice(0, -3)}abc` })).status).toBe(401);
  });

  it('takes a SAML response as the HTTP-POST binding sends it (a form), and refuses one for no connection', async () => {
    const res = await fetch(`${api.url}/v1/sso/saml/${tenantId}/${randomUUID()}/acs`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', RelayState: 'x' }).toString(),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'SSO_CONNECTION_NOT_FOUND' });
  });

  it('refuses a callback of no sign-in, and an email domain no tenant verified, with their codes', async () => {
    const callback = await api.request('GET', '/v1/sso/callback?code=abc&state=forged');
    expect(callback.status).toBe(401);
    expect(callback.contentType).toMatch(/^application\/problem\+json/);
    expect(callback.body).toMatchObject({ code: 'SSO_STATE_MISMATCH' });
    const discover = await api.request('GET', '/v1/sso/discover?email=someone%40nowhere.example');
    expect(discover.status).toBe(404);
    expect(discover.body).toMatchObject({ code: 'SSO_EMAIL_DOMAIN_UNKNOWN' });
  });
});

// The `act` claim was read as if the user themselves were calling: an operator acting as an
// owner could mint API keys and members, recorded as the owner. It now acts as the operator.
describe('a Tenantry token with an act claim (an operator acting as a member)', () => {
  const ownerId = 'act-owner';
  let tokenAs: (act: unknown) => Promise<string>;
  beforeAll(async () => {
    await api.member(tenantId, ownerId, 'owner');
    // Signed here with the server's own key, so any shape of `act` can be tried.
    tokenAs = async (act) => {
      const { kid, privateKey } = await api.identity.api.signingKeys.current();
      return new SignJWT({ tenant_id: tenantId, role: 'owner', act: act as JWTPayload })
        .setProtectedHeader({ alg: 'ES256', kid }).setIssuer(api.identity.api.publicUrl).setAudience(api.identity.api.publicUrl)
        .setSubject(ownerId).setIssuedAt(api.clock.now()).setExpirationTime(new Date(api.clock.now().getTime() + 60_000)).sign(privateKey);
    };
  });

  it('cannot mint lasting access the member could, though it reads what the member reads', async () => {
    const token = await tokenAs({ sub: 'operator:op-1' });
    expect((await api.request('POST', '/v1/tenant/api-keys', { token, body: { name: 'backdoor', scopes: ['members:read'] } })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect((await api.request('POST', '/v1/tenant/members', { token, body: { userId: `u-${randomUUID()}`, role: 'owner' } })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect((await api.request('GET', '/v1/tenant/members', { token })).status).toBe(200);
  });

  it('records what it does as the operator, not as the member', async () => {
    const token = await tokenAs({ sub: 'operator:op-1' });
    const invited = await api.request('POST', '/v1/tenant/invitations', { token, body: { email: `${randomUUID()}@example.com`, role: 'viewer' } });
    expect(invited.status).toBe(201);
    const { rows } = await api.t.admin.query<{ actor: string }>(`SELECT actor FROM tenantry.audit_events WHERE tenant_id = $1 AND action LIKE 'invitation.%'`, [tenantId]);
    expect(rows.map((r) => r.actor)).toContain('operator:op-1');
    expect(rows.map((r) => r.actor)).not.toContain(`user:${ownerId}`);
  });

  it('has no more than the member: an act token of a non-member holds nothing', async () => {
    const token = (await api.identity.tokens.issue({ tenantId, userId: `nobody-${randomUUID()}`, role: 'owner', act: { sub: 'operator:op-1' } })).token;
    expect((await api.request('GET', '/v1/tenant/members', { token })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('refuses an actor it cannot attribute to an operator', async () => {
    for (const act of [{ sub: 'user:mallory' }, { sub: '' }, 'operator:op-1', { sub: 'operator:../x' }, [{ sub: 'operator:op-1' }], null]) {
      expect((await api.request('GET', '/v1/tenant/members', { token: await tokenAs(act) })).body, JSON.stringify(act)).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    }
  });
});

describe('a tenant\'s own token issuer', () => {
  it('lets the tenant\'s IdP tokens in for that tenant only, whatever tenant they claim', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    const keys = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    try {
      const jwksUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}/keys`;
      const registered = await api.request('POST', '/v1/tenant/sso/issuers', { token: owner, body: { issuer: 'https://idp.acme.example', audience: 'acme-app', jwksUrl } });
      expect(registered.status).toBe(201);
      await api.member(tenantId, 'idp-subject-7', 'viewer');
      const idpToken = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setIssuer('https://idp.acme.example').setAudience('acme-app')
        .setSubject('idp-subject-7').setIssuedAt(api.clock.now()).setExpirationTime(new Date(api.clock.now().getTime() + 60_000)).sign(privateKey);
      expect((await api.request('GET', '/v1/tenant/members', { token: await idpToken({}) })).status).toBe(200);
      // Naming the other tenant changes nothing: the token is this tenant's, and its user is a viewer here.
      const claimingB = await api.request('GET', '/v1/tenant/members', { token: await idpToken({ tenant_id: api.t.tenants[1]!.id }) });
      expect(claimingB.status).toBe(200);
      expect(claimingB.body.items.map((m: { userId: string }) => m.userId)).toContain('idp-subject-7');
      // Another tenant cannot take the same issuer and audience.
      const otherOwner = await api.member(api.t.tenants[1]!.id, 'owner-b', 'owner');
      expect((await api.request('POST', '/v1/tenant/sso/issuers', { token: otherOwner, body: { issuer: 'https://idp.acme.example', audience: 'acme-app', jwksUrl } })).body).toMatchObject({ status: 409, code: 'TOKEN_ISSUER_TAKEN' });
    } finally {
      await new Promise((resolve) => keys.close(resolve));
    }
  });
});
