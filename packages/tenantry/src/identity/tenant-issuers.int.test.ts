// Per-tenant token issuers against a real PostgreSQL and a JWKS served on loopback: a tenant's
// own IdP tokens resolve to that tenant only (never to the tenant a claim names), another tenant
// cannot register the same issuer and audience, a key rotation at the IdP is picked up by an
// unknown `kid`, and expiry is judged by the injected clock.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createTestClock, createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { createTenantIssuers, tenantIssuerStrategy, type TenantIssuers } from './index.js';

const clock = createTestClock(new Date(inject('testNow')));
const ISSUER = 'https://acme.idp.test';
let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let jwksServer: Server;
let jwksUrl: string;
let issuers: TenantIssuers;
/** The IdP's published keys, changed by the rotation test. */
let published: { kid: string; key: KeyObject }[] = [];
let fetches = 0;

const newKey = (kid: string) => ({ kid, ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) });
let current = newKey('k1');

async function token(claims: Record<string, unknown>, options: { audience?: string; issuer?: string; expiresInSec?: number; key?: ReturnType<typeof newKey> } = {}): Promise<string> {
  const key = options.key ?? current;
  const nowSec = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).setIssuer(options.issuer ?? ISSUER).setAudience(options.audience ?? 'tenantry-a')
    .setSubject('idp-user-1').setIssuedAt(nowSec).setExpirationTime(nowSec + (options.expiresInSec ?? 300)).sign(key.privateKey);
}

beforeAll(async () => {
  published = [{ kid: current.kid, key: current.publicKey }];
  jwksServer = createServer((_req, res) => {
    fetches += 1;
    void Promise.all(published.map(async ({ kid, key }) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' }))).then((keys) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  issuers = createTenantIssuers({ operator: t.operator, clock, allowInsecureUrls: true, jwksCacheMs: 60_000 });
  await t.db.withTenant(a.id, (s) => issuers.register(s, { issuer: ISSUER, audience: 'tenantry-a', jwksUrl }, 'user:admin-a'));
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

describe('per-tenant token issuers', () => {
  it('resolve a token of the tenant\'s issuer to that tenant, whatever tenant a claim names', async () => {
    expect(await issuers.verify(await token({ email: 'x@acme.example' }))).toMatchObject({ tenantId: a.id, claims: { sub: 'idp-user-1' } });
    // The IdP may put anything in its claims: naming tenant B does not make it B's.
    expect((await issuers.verify(await token({ tenant_id: b.id })))?.tenantId).toBe(a.id);
    const strategy = tenantIssuerStrategy(issuers);
    const request = (authorization: string) => ({ header: (name: string) => (name === 'authorization' ? authorization : undefined) });
    expect(await strategy.match(request(`Bearer ${await token({})}`) as never)).toMatchObject({ reference: { by: 'id', id: a.id }, credentials: { sub: 'idp-user-1' } });
  });

  it('leave tokens of unregistered issuers or audiences to the other verifiers', async () => {
    expect(await issuers.verify(await token({}, { audience: 'someone-else' }))).toBeUndefined();
    expect(await issuers.verify(await token({}, { issuer: 'https://other.idp.test' }))).toBeUndefined();
    await expectCode(issuers.verify('not.a.jwt'), 'TOKEN_INVALID');
  });

  it('refuse a bad signature and an expired token (by the injected clock)', async () => {
    const forged = await token({}, { key: newKey('k1') });
    await expectCode(issuers.verify(forged), 'TOKEN_INVALID');
    const soon = await token({}, { expiresInSec: 60 });
    clock.advance(10 * 60_000);
    await expectCode(issuers.verify(soon), 'TOKEN_INVALID');
  });

  it('let no other tenant register the same issuer and audience, nor remove it', async () => {
    await expectCode(t.db.withTenant(b.id, (s) => issuers.register(s, { issuer: ISSUER, audience: 'tenantry-a', jwksUrl }, 'user:admin-b')), 'TOKEN_ISSUER_TAKEN');
    await expectCode(t.db.withTenant(b.id, (s) => issuers.remove(s, ISSUER, 'tenantry-a', 'user:admin-b')), 'TOKEN_ISSUER_NOT_FOUND');
    expect(await t.db.withTenant(b.id, (s) => issuers.list(s))).toEqual([]);
    await expectCode(t.db.withTenant(b.id, (s) => issuers.register(s, { issuer: ISSUER, audience: 'b', jwksUrl: 'ftp://x' }, 'user:admin-b')), 'TOKEN_ISSUER_INVALID');
    // Its own audience at the same IdP is B's, and B's tokens resolve to B.
    await t.db.withTenant(b.id, (s) => issuers.register(s, { issuer: ISSUER, audience: 'tenantry-b', jwksUrl }, 'user:admin-b'));
    expect((await issuers.verify(await token({}, { audience: 'tenantry-b' })))?.tenantId).toBe(b.id);
    const { rows } = await t.admin.query<{ action: string }>("SELECT action FROM tenantry.audit_events WHERE tenant_id = $1 AND action LIKE 'token_issuer.%'", [b.id]);
    expect(rows.map((r) => r.action)).toEqual(['token_issuer.register']);
  });

  it('pick up a key rotation at the IdP through the unknown kid', async () => {
    await issuers.verify(await token({}));
    const before = fetches;
    current = newKey(`k-${randomUUID()}`);
    published = [...published, { kid: current.kid, key: current.publicKey }];
    clock.advance(2000);
    expect((await issuers.verify(await token({})))?.tenantId).toBe(a.id);
    expect(fetches).toBe(before + 1);
  });
});
