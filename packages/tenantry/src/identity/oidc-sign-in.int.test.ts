// OIDC sign-in against a real PostgreSQL and a real OpenID provider (oidc-provider on loopback,
// started here): the code flow with PKCE/state/nonce ends in a Tenantry token the resolver
// accepts, membership is made just in time with roles from the provider's groups, a removal at
// the provider is honoured at the next sign-in, and each bad response is refused with its code.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createMembers } from '../control/index.js';
import { createTenantEncryption, localKeyProvider } from '../crypto/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createSsoConnections, createSsoEmailDomains, createSsoSignIn, createTokenIssuer, createTokenSigningKeys, type SsoConnection, type SsoSignIn } from './index.js';

// The provider stamps tokens with the wall clock, so this test's clock starts there (and moves
// only when a test moves it): the two must agree as a real deployment's do.
let now = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = { now: () => new Date(now) };
const REDIRECT = 'https://app.test/v1/sso/callback';
const SECRET_A = randomBytes(24).toString('base64url');
const SECRET_B = randomBytes(24).toString('base64url');
const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e as { code?: string }).code);

// The provider's signing key is made here, so the test can also act as an attacker who holds a
// genuine ID token of the provider for another client (re-signed with the same key).
const { privateKey: idpKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const idpJwk = { ...idpKey.export({ format: 'jwk' }), kid: 'idp-key-1', use: 'sig', alg: 'RS256' };
/** When set, the token endpoint's ID token is re-signed with this `aud` (a token for another client). */
let forgeAudience: string | undefined;

function withAudience(idToken: string, aud: string): string {
  const [header, payload] = idToken.split('.') as [string, string];
  const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>), aud, azp: aud };
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign('sha256', Buffer.from(body), idpKey).toString('base64url')}`;
}

/** The provider's users: who signs in next, with their email and groups. */
const accounts = new Map<string, { email: string; groups: string[] }>();
let nextAccount = 'alice';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let idp: Server;
let issuerUrl: string;
let connA: SsoConnection;
let connB: SsoConnection;
let signIn: SsoSignIn;
const keyProvider = localKeyProvider({ keys: { primary: randomBytes(32) } });
const encryption = createTenantEncryption({ keyProvider, clock });
const connections = createSsoConnections({ encryption, clock, allowInsecureUrls: true });
const members = createMembers({ clock });

async function startProvider(): Promise<void> {
  idp = createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuerUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuerUrl, {
    clients: [
      { client_id: 'tenantry-a', client_secret: SECRET_A, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] },
      { client_id: 'tenantry-b', client_secret: SECRET_B, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    cookies: { keys: [randomBytes(16).toString('hex')] },
    jwks: { keys: [idpJwk] },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 3600, AuthorizationCode: 600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups'] },
    // The groups in the ID token itself, where the role rules read them.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account && { accountId: sub, claims: () => ({ sub, email: account.email, email_verified: true, groups: account.groups }) };
    },
    // Every client is trusted with every scope: no consent screen in the way.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (_ctx, err) => console.error(err));
  const callback = provider.callback();
  idp.on('request', (req, res) => {
    // The login page: the user `nextAccount` signs in at once.
    if (req.url?.startsWith('/interaction/')) {
      void provider.interactionFinished(req, res, { login: { accountId: nextAccount } }, { mergeWithLastSubmission: false });
      return;
    }
    const audience = forgeAudience;
    if (audience !== undefined && req.url?.startsWith('/token')) {
      // The response is rewritten on its way out: the ID token now names another client.
      const end = res.end.bind(res) as (chunk?: unknown) => typeof res;
      res.end = ((chunk?: unknown) => {
        const body = JSON.parse(String(chunk)) as { id_token?: string };
        if (body.id_token !== undefined) body.id_token = withAudience(body.id_token, audience);
        const text = JSON.stringify(body);
        res.setHeader('content-length', Buffer.byteLength(text));
        return end(text);
      }) as typeof res.end;
    }
    void callback(req, res);
  });
}

/** A browser: follows the provider's redirects with its cookies until it is sent back to the app. */
async function authorize(url: URL, account: string, tamper?: (url: URL) => void): Promise<URL> {
  nextAccount = account;
  tamper?.(url);
  const cookies = new Map<string, string>();
  let next = url.href;
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(REDIRECT)) return new URL(next);
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = (pair as string).split('=');
      cookies.set(name as string, value.join('='));
    }
    const location = res.headers.get('location');
    if (location === null) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

beforeAll(async () => {
  await startProvider();
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  const signingKeys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock });
  await signingKeys.ensureFresh();
  const tokens = createTokenIssuer({ signingKeys, issuer: 'https://tenantry.test', audience: 'app', clock });
  const emailDomains = createSsoEmailDomains({ operator: t.operator, connections, clock });
  signIn = createSsoSignIn({ db: t.db, operator: t.operator, connections, members, tokens, emailDomains, clock, allowInsecureRequests: true });
  const rules = [{ claim: 'groups', equals: 'admins', role: 'admin' }, { claim: 'groups', equals: 'staff', role: 'member' }];
  connA = await t.db.transaction(a.id, (tx) => connections.create(tx, {
    kind: 'oidc', name: 'Acme IdP', settings: { issuer: issuerUrl, clientId: 'tenantry-a', redirectUri: REDIRECT }, secret: SECRET_A, roleRules: rules,
  }, 'member:owner'));
  connB = await t.db.transaction(b.id, (tx) => connections.create(tx, {
    kind: 'oidc', name: 'B IdP', settings: { issuer: issuerUrl, clientId: 'tenantry-b', redirectUri: REDIRECT }, secret: SECRET_B, defaultRole: 'member',
  }, 'member:owner'));
  // Tenant A verified acme.test for sign-in (the DNS proof is email-domains' own test).
  await t.admin.query('INSERT INTO tenantry.sso_verified_email_domains (domain, owner_tenant, connection_id, verified_at) VALUES ($1, $2, $3, $4)', ['acme.test', a.id, connA.id, now]);
  accounts.set('alice', { email: 'alice@acme.test', groups: ['admins'] });
  accounts.set('bob', { email: 'bob@acme.test', groups: ['staff'] });
  accounts.set('eve', { email: 'eve@elsewhere.test', groups: [] });
}, 30_000);
afterAll(async () => {
  await t?.close();
  idp?.closeAllConnections();
  await new Promise((resolve) => idp?.close(resolve));
});

describe('OIDC sign-in', () => {
  it('stores the client secret only encrypted', async () => {
    const { rows } = await t.admin.query<{ secret: string }>('SELECT secret FROM tenantry.sso_connections WHERE id = $1', [connA.id]);
    expect(rows[0]?.secret).not.toContain(SECRET_A);
    expect(JSON.stringify(connA)).not.toContain(SECRET_A);
    expect(await t.db.withTenant(a.id, (s) => connections.secretOf(s, connA.id))).toBe(SECRET_A);
    // Another tenant cannot see (or use) the connection.
    expect(await codeOf(t.db.withTenant(b.id, (s) => connections.get(s, connA.id)))).toBe('SSO_CONNECTION_NOT_FOUND');
  });

  it('signs a user in with PKCE, state and nonce, makes them a member just in time, and issues a token the resolver accepts', async () => {
    const { url } = await signIn.begin(a.id, connA.id);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBeTruthy();
    const signedIn = await signIn.complete(await authorize(url, 'alice'));
    expect(signedIn).toMatchObject({ tenantId: a.id, role: 'admin', created: true });
    const member = await t.db.withTenant(a.id, (s) => members.get(s, signedIn.userId));
    expect(member.role).toBe('admin');
    const tokens = createTokenIssuer({ signingKeys: createTokenSigningKeys({ operator: t.operator, keyProvider, clock }), issuer: 'https://tenantry.test', audience: 'app', clock });
    expect(await tokens.verifier().verify(signedIn.token)).toMatchObject({ sub: signedIn.userId, tenant_id: a.id, role: 'admin', email: 'alice@acme.test' });
    // The same user again: the same member, not a second one.
    const again = await signIn.complete(await authorize((await signIn.begin(a.id, connA.id)).url, 'alice'));
    expect(again).toMatchObject({ userId: signedIn.userId, created: false });
  });

  it('follows the provider: a changed group changes the role, a removed one ends the membership at the next sign-in', async () => {
    const first = await signIn.complete(await authorize((await signIn.begin(a.id, connA.id)).url, 'bob'));
    expect(first.role).toBe('member');
    accounts.set('bob', { email: 'bob@acme.test', groups: ['admins'] });
    expect((await signIn.complete(await authorize((await signIn.begin(a.id, connA.id)).url, 'bob'))).role).toBe('admin');
    accounts.set('bob', { email: 'bob@acme.test', groups: [] });
    expect(await codeOf(signIn.complete(await authorize((await signIn.begin(a.id, connA.id)).url, 'bob')))).toBe('SSO_NO_ROLE');
    expect(await t.db.withTenant(a.id, (s) => members.tryGet(s, first.userId))).toBeUndefined();
    const audit = await t.admin.query<{ action: string }>("SELECT action FROM tenantry.audit_events WHERE tenant_id = $1 AND actor = $2 ORDER BY seq", [a.id, `sso:${connA.id}`]);
    expect(audit.rows.map((r) => r.action)).toContain('member.remove');
  });

  it('refuses a used, unknown or expired state (SSO_STATE_MISMATCH)', async () => {
    const callback = await authorize((await signIn.begin(a.id, connA.id)).url, 'alice');
    await signIn.complete(callback);
    expect(await codeOf(signIn.complete(callback))).toBe('SSO_STATE_MISMATCH');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-a-state-we-issued');
    expect(await codeOf(signIn.complete(forged))).toBe('SSO_STATE_MISMATCH');
    const late = await authorize((await signIn.begin(a.id, connA.id)).url, 'alice');
    now = new Date(now.getTime() + 11 * 60_000);
    try {
      expect(await codeOf(signIn.complete(late))).toBe('SSO_STATE_MISMATCH');
    } finally {
      now = new Date(now.getTime() - 11 * 60_000);
    }
  });

  it('refuses an ID token issued for another sign-in (SSO_NONCE_MISMATCH)', async () => {
    const { url } = await signIn.begin(a.id, connA.id);
    const callback = await authorize(url, 'alice', (u) => u.searchParams.set('nonce', 'a-nonce-an-attacker-chose-1234'));
    expect(await codeOf(signIn.complete(callback))).toBe('SSO_NONCE_MISMATCH');
  });

  it('refuses an ID token issued for another client (SSO_AUDIENCE_MISMATCH)', async () => {
    const callback = await authorize((await signIn.begin(a.id, connA.id)).url, 'alice');
    forgeAudience = 'tenantry-b';
    try {
      expect(await codeOf(signIn.complete(callback))).toBe('SSO_AUDIENCE_MISMATCH');
    } finally {
      forgeAudience = undefined;
    }
  });

  it('refuses an expired ID token (SSO_TOKEN_EXPIRED)', async () => {
    const patient = createSsoSignIn({
      db: t.db, operator: t.operator, connections, members, clock, allowInsecureRequests: true, attemptTtlMs: 24 * 3_600_000,
      tokens: createTokenIssuer({ signingKeys: createTokenSigningKeys({ operator: t.operator, keyProvider, clock }), issuer: 'https://tenantry.test', audience: 'app', clock }),
    });
    const callback = await authorize((await patient.begin(a.id, connA.id)).url, 'alice');
    const start = now;
    // The authorization code outlives nothing: the provider refuses it after its own minute, so
    // the ID token is judged only when the code is exchanged at once — hence the clock jump is
    // applied to this server alone, as a server whose clock runs two hours ahead.
    now = new Date(start.getTime() + 2 * 3_600_000);
    try {
      expect(await codeOf(patient.complete(callback))).toBe('SSO_TOKEN_EXPIRED');
    } finally {
      now = start;
    }
  });

  it('refuses a user of tenant A\'s verified domain through tenant B\'s connection (SSO_DOMAIN_MISMATCH)', async () => {
    const { url } = await signIn.begin(b.id, connB.id);
    expect(await codeOf(signIn.complete(await authorize(url, 'alice')))).toBe('SSO_DOMAIN_MISMATCH');
    expect(await t.db.withTenant(b.id, (s) => members.list(s))).toEqual([]);
    // A user of no captured domain signs in to B with B's default role.
    expect((await signIn.complete(await authorize((await signIn.begin(b.id, connB.id)).url, 'eve'))).role).toBe('member');
  });

  it('refuses a disabled connection and another tenant\'s connection id', async () => {
    expect(await codeOf(signIn.begin(b.id, connA.id))).toBe('SSO_CONNECTION_NOT_FOUND');
    await t.db.transaction(b.id, (tx) => connections.update(tx, connB.id, { enabled: false }, 'member:owner'));
    expect(await codeOf(signIn.begin(b.id, connB.id))).toBe('SSO_CONNECTION_DISABLED');
  });

  it('removing a connection takes the email domains verified for it out of the sign-in registry', async () => {
    const emailDomains = createSsoEmailDomains({ operator: t.operator, connections, clock });
    expect(await emailDomains.ownerOf('acme.test')).toEqual({ tenantId: a.id, connectionId: connA.id });
    const withRegistry = createSsoConnections({ encryption, clock, allowInsecureUrls: true, operator: t.operator });
    await t.db.transaction(a.id, (tx) => withRegistry.remove(tx, connA.id, 'member:owner'));
    expect(await emailDomains.ownerOf('acme.test')).toBeUndefined();
    expect(await codeOf(signIn.begin(a.id, connA.id))).toBe('SSO_CONNECTION_NOT_FOUND');
  });
});
