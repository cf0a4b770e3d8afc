// The resolver against the real registry: every strategy resolves its tenant, sources that
// disagree are refused, and unknown, suspended or unresolvable requests stop here.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Tenant, type TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { cachedTenantLookup } from './cached-tenant-lookup.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { apiKeyStrategy } from './strategies/api-key.js';
import { customDomainStrategy } from './strategies/custom-domain.js';
import { headerStrategy } from './strategies/header.js';
import { jwtClaimStrategy } from './strategies/jwt-claim.js';
import { pathStrategy } from './strategies/path.js';
import { subdomainStrategy } from './strategies/subdomain.js';
import { tenantRequest } from './tenant-request.js';
import { createTenantResolver, type TenantResolver } from './tenant-resolver.js';

const SECRET = 'resolver-test-secret-of-32-bytes-or-more';
let t: TestTenantry;
let acme: Tenant;
let globex: Tenant;
let resolver: TenantResolver;

const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://id.test/').setAudience('tenantry').setExpirationTime('1m').sign(new TextEncoder().encode(SECRET));
const resolve = (input: { host?: string; path?: string; headers?: Record<string, string> }) =>
  resolver.resolve(tenantRequest({ host: input.host, path: input.path ?? '/', headers: input.headers ?? {} }));

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
  acme = await t.registry.create({ slug: 'acme' });
  globex = await t.registry.create({ slug: 'globex' });
  const domains = new Map<string, TenantId>([['app.acme.test', acme.id]]);
  const keys = new Map([['key-for-globex', { tenantId: globex.id, keyId: 'k1', scopes: ['read'] }]]);
  resolver = createTenantResolver({
    strategies: [
      subdomainStrategy({ baseDomains: ['example.com'] }),
      customDomainStrategy({ lookup: async (host) => domains.get(host), ignore: ['example.com'] }),
      pathStrategy(),
      headerStrategy(),
      jwtClaimStrategy({ verifier: createJwtVerifier({ algorithms: ['HS256'], secret: SECRET, issuer: 'https://id.test/', audience: 'tenantry' }) }),
      apiKeyStrategy({ verify: async (key) => keys.get(key) }),
    ],
    tenants: t.registry,
  });
});
afterAll(() => t?.close());

describe('the tenant resolver', () => {
  it('resolves by subdomain, verified domain, path, header (slug and id), JWT claim and API key', async () => {
    expect((await resolve({ host: 'acme.example.com' })).tenant.id).toBe(acme.id);
    expect((await resolve({ host: 'app.acme.test' })).tenant.id).toBe(acme.id);
    expect((await resolve({ path: '/t/globex/orders' })).tenant.id).toBe(globex.id);
    expect((await resolve({ headers: { 'x-tenant': 'globex' } })).tenant.id).toBe(globex.id);
    expect((await resolve({ headers: { 'x-tenant': acme.id } })).tenant.id).toBe(acme.id);
    expect((await resolve({ headers: { authorization: `Bearer ${await token({ tenant_id: acme.id })}` } })).tenant.id).toBe(acme.id);
    const byKey = await resolve({ headers: { 'x-api-key': 'key-for-globex' } });
    expect(byKey.tenant.id).toBe(globex.id);
    expect(byKey.credentials.apiKey).toEqual({ keyId: 'k1', scopes: ['read'] });
  });

  it('accepts agreeing sources and reports them in order', async () => {
    const resolved = await resolve({ host: 'acme.example.com', headers: { authorization: `Bearer ${await token({ tenant_id: 'acme' })}` } });
    expect(resolved.resolvedBy).toEqual(['subdomain', 'jwt']);
  });

  it('refuses a token whose tenant claim disagrees with the host', async () => {
    await expect(resolve({ host: 'acme.example.com', headers: { authorization: `Bearer ${await token({ tenant_id: 'globex' })}` } })).rejects.toMatchObject({
      code: 'TENANT_AMBIGUOUS',
      details: { sources: ['subdomain', 'jwt'] },
    });
  });

  it('refuses a path and a header that name different tenants', async () => {
    await expect(resolve({ path: '/t/acme/x', headers: { 'x-tenant': 'globex' } })).rejects.toMatchObject({ code: 'TENANT_AMBIGUOUS' });
  });

  it('refuses a request that names no tenant, or a host under an unconfigured base domain', async () => {
    await expect(resolve({})).rejects.toMatchObject({ code: 'TENANT_UNRESOLVED' });
    await expect(resolve({ host: 'acme.attacker.test' })).rejects.toMatchObject({ code: 'TENANT_UNRESOLVED' });
  });

  it('answers TENANT_NOT_FOUND for unknown slugs, ids and malformed references', async () => {
    await expect(resolve({ host: 'nobody.example.com' })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await expect(resolve({ headers: { 'x-tenant': '0190a6f2-0000-7000-8000-000000000000' } })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await expect(resolve({ headers: { 'x-tenant': 'acme, globex' } })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('refuses an invalid token or API key instead of falling back to another source', async () => {
    await expect(resolve({ host: 'acme.example.com', headers: { authorization: 'Bearer not.a.token' } })).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(resolve({ host: 'acme.example.com', headers: { 'x-api-key': 'nope' } })).rejects.toMatchObject({ code: 'API_KEY_INVALID' });
  });

  it('refuses a malformed Host header', async () => {
    await expect(resolve({ host: 'acme.example.com\r\nx: y' })).rejects.toMatchObject({ code: 'HOST_INVALID' });
  });

  it('stops a suspended tenant and lets it through again once restored', async () => {
    await t.registry.suspend(globex.id);
    await expect(resolve({ headers: { 'x-tenant': 'globex' } })).rejects.toMatchObject({ code: 'TENANT_SUSPENDED' });
    await t.registry.restore(globex.id);
    expect((await resolve({ headers: { 'x-tenant': 'globex' } })).tenant.status).toBe('active');
  });

  it('serves repeated lookups from the cache until it is invalidated', async () => {
    let reads = 0;
    const counting = { tryGet: (id: TenantId) => (reads++, t.registry.tryGet(id)), tryGetBySlug: (slug: string) => (reads++, t.registry.tryGetBySlug(slug)) };
    const cache = cachedTenantLookup(counting, { ttlMs: 60_000 });
    await cache.tryGetBySlug('acme');
    await cache.tryGetBySlug('acme');
    expect(reads).toBe(1);
    cache.invalidate(acme.id);
    await cache.tryGetBySlug('acme');
    expect(reads).toBe(2);
  });
});
