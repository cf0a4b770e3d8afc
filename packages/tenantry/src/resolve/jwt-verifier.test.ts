// JWT verification: only configured algorithms and key families, issuer, audience and expiry
// enforced, and the JWKS fetched from a real HTTP server on loopback. Expiry is decided by a
// test clock at testNow (TENANTRY_TEST_NOW), the time the tokens are issued at.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { createTestClock } from '../testing/index.js';
import { createJwtVerifier } from './jwt-verifier.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const testClock = createTestClock(inject('testNow'));
const now = () => Math.floor(testClock.now().getTime() / 1000);
const hs = (claims: Record<string, unknown>, opts: { exp?: number; iss?: string; aud?: string; alg?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
    .setIssuer(opts.iss ?? 'https://id.test/')
    .setAudience(opts.aud ?? 'tenantry')
    .setExpirationTime(opts.exp ?? now() + 60)
    .sign(new TextEncoder().encode(SECRET));

let jwks: Server;
let jwksUrl: string;
let rsaPrivate: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwksRequests = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  rsaPrivate = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    jwksRequests += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const address = jwks.address();
  jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

const base = { issuer: 'https://id.test/', audience: 'tenantry' } as const;

describe('createJwtVerifier', () => {
  it('accepts a valid HS256 token and returns its claims', async () => {
    const verifier = createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clock: testClock });
    expect((await verifier.verify(await hs({ tenant_id: 'acme' }))).tenant_id).toBe('acme');
  });

  it.each([
    ['an expired token', () => hs({}, { exp: now() - 120 })],
    ['another issuer', () => hs({}, { iss: 'https://evil.test/' })],
    ['another audience', () => hs({}, { aud: 'other' })],
    ['an algorithm that is not configured', () => hs({}, { alg: 'HS512' })],
    ['an unsigned token', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"exp":${now() + 60},"iss":"https://id.test/","aud":"tenantry"}`).toString('base64url')}.`],
    ['a tampered payload', async () => { const [h, , s] = (await hs({ tenant_id: 'acme' })).split('.'); return `${h}.${Buffer.from(`{"tenant_id":"evil","exp":${now() + 60},"iss":"https://id.test/","aud":"tenantry"}`).toString('base64url')}.${s}`; }],
  ])('refuses %s with TOKEN_INVALID', async (_label, token) => {
    const verifier = createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clock: testClock });
    await expect(verifier.verify(await token())).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('tolerates a bounded clock skew and no more', async () => {
    const verifier = createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clock: testClock, clockToleranceSec: 30 });
    await expect(verifier.verify(await hs({}, { exp: now() - 10 }))).resolves.toBeDefined();
    await expect(verifier.verify(await hs({}, { exp: now() - 60 }))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('verifies RS256 tokens against a JWKS endpoint and caches its keys', async () => {
    const verifier = createJwtVerifier({ ...base, algorithms: ['RS256'], jwksUrl, clock: testClock });
    const token = await new SignJWT({ tenant_id: 'acme' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(base.issuer).setAudience(base.audience).setExpirationTime(now() + 60).sign(rsaPrivate);
    const before = jwksRequests;
    expect((await verifier.verify(token)).tenant_id).toBe('acme');
    expect((await verifier.verify(token)).tenant_id).toBe('acme');
    expect(jwksRequests - before).toBe(1);
  });

  it('refuses an HS256 token signed with the public key material on an RS256 verifier (algorithm confusion)', async () => {
    const verifier = createJwtVerifier({ ...base, algorithms: ['RS256'], jwksUrl, clock: testClock });
    await expect(verifier.verify(await hs({ tenant_id: 'acme' }))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it.each([
    [{ algorithms: ['HS256', 'RS256'], secret: SECRET }, 'mix'],
    [{ algorithms: ['RS256'], secret: SECRET }, 'secret'],
    [{ algorithms: ['HS256'], jwksUrl: 'https://id.test/jwks' }, 'JWKS'],
    [{ algorithms: ['HS256'], secret: 'short' }, '32 bytes'],
    [{ algorithms: [], secret: SECRET }, 'at least one'],
  ] as const)('refuses a dangerous configuration (%o)', (config, reason) => {
    let thrown: unknown;
    try {
      createJwtVerifier({ ...base, ...config, clock: testClock });
    } catch (err) {
      thrown = err;
    }
    expect(isTenantryError(thrown, 'CONFIG_INVALID')).toBe(true);
    expect(String((thrown as { details: { reason: string } }).details.reason)).toContain(reason);
  });

  describe('verified-token cache', () => {
    const manualClock = (at: number) => ({ at, now() { return new Date(this.at * 1000); } });

    it('serves a cached token only until its exp plus the tolerance, by the verifier\'s clock', async () => {
      const exp = now() + 60;
      const clock = manualClock(now());
      const verifier = createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clockToleranceSec: 10, clock });
      const token = await hs({ tenant_id: 'acme' }, { exp });
      expect((await verifier.verify(token)).tenant_id).toBe('acme');
      clock.at = exp + 9;
      expect((await verifier.verify(token)).tenant_id).toBe('acme');
      clock.at = exp + 11;
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    });

    it('hands out frozen claims, and never serves a token that differs in one character from a cached one', async () => {
      const verifier = createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clock: testClock });
      const token = await hs({ tenant_id: 'acme', roles: ['a'] });
      const claims = await verifier.verify(token);
      expect(Object.isFrozen(claims) && Object.isFrozen(claims.roles)).toBe(true);
      expect(await verifier.verify(token)).toBe(claims);
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      await expect(verifier.verify(token.slice(0, -1) + last)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    });

    it('verifies each configured HS algorithm with its own imported key', async () => {
      const verifier = createJwtVerifier({ ...base, algorithms: ['HS256', 'HS384', 'HS512'], secret: SECRET, clock: testClock, verifiedCacheMs: 0 });
      for (const alg of ['HS256', 'HS384', 'HS512']) expect((await verifier.verify(await hs({ tenant_id: alg }, { alg }))).tenant_id).toBe(alg);
    });

    it.each([[-1], [1.5], [3_600_001]])('refuses verifiedCacheMs %s with CONFIG_INVALID', (verifiedCacheMs) => {
      expect(() => createJwtVerifier({ ...base, algorithms: ['HS256'], secret: SECRET, clock: testClock, verifiedCacheMs })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    });
  });
});
