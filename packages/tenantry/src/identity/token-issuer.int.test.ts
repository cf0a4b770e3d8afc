// Tenantry-issued tokens against a real PostgreSQL: signed with a key stored only wrapped, the
// resolver's JWT verifier accepts them, and a rotation keeps two keys valid until the previous
// one retires — after which its tokens are refused.
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { localKeyProvider } from '../crypto/index.js';
import { jwtVerifierByIssuer } from '../resolve/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createTokenIssuer, createTokenSigningKeys } from './index.js';

let t: TestTenantry;
let a: Tenant;
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const MINUTE = 60_000;
const keyProvider = localKeyProvider({ keys: { primary: randomBytes(32) } });
const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e as { code?: string }).code);

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, clock });
  [a] = t.tenants as [Tenant];
});
afterAll(() => t?.close());

describe('Tenantry-issued tokens', () => {
  it('cannot be issued before a key exists, then carry tenant, member, role and act', async () => {
    const keys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock, retireAfterMs: 15 * MINUTE });
    const issuer = createTokenIssuer({ signingKeys: keys, issuer: 'https://tenantry.test', audience: 'app', clock, ttlSec: 300 });
    expect(await codeOf(issuer.issue({ tenantId: a.id, userId: 'u1', role: 'admin' }))).toBe('SIGNING_KEY_UNAVAILABLE');
    await keys.ensureFresh();
    const { token, expiresAt } = await issuer.issue({ tenantId: a.id, userId: 'u1', role: 'admin', act: { sub: 'operator:op-1' } });
    expect(expiresAt).toEqual(new Date(Math.floor(now.getTime() / 1000) * 1000 + 300_000));
    const claims = await issuer.verifier().verify(token);
    expect(claims).toMatchObject({ iss: 'https://tenantry.test', aud: 'app', sub: 'u1', tenant_id: a.id, role: 'admin', act: { sub: 'operator:op-1' } });
    // The private key is stored only wrapped: no row carries its JWK `d`.
    const { rows } = await t.admin.query<{ public_jwk: object; wrapped_private: Buffer }>('SELECT public_jwk, wrapped_private FROM tenantry.token_signing_keys');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.public_jwk).not.toHaveProperty('d');
    expect(rows[0]?.wrapped_private.length).toBeGreaterThan(32);
    // Another audience's verifier refuses it; a tampered token too.
    const other = createTokenIssuer({ signingKeys: keys, issuer: 'https://tenantry.test', audience: 'other', clock });
    expect(await codeOf(other.verifier().verify(token))).toBe('TOKEN_INVALID');
    expect(await codeOf(issuer.verifier().verify(`${token.slice(0, -4)}AAAA`))).toBe('TOKEN_INVALID');
    // Expired after its lifetime (the resolver's default 30 s skew passed).
    now = new Date(now.getTime() + 6 * MINUTE);
    expect(await codeOf(issuer.verifier().verify(token))).toBe('TOKEN_INVALID');
  });

  it('rotate: both keys verify during the rollover, the old one stops after it retires', async () => {
    const keys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock, retireAfterMs: 15 * MINUTE, rotateEveryMs: 30 * MINUTE });
    const issuer = createTokenIssuer({ signingKeys: keys, issuer: 'https://tenantry.test', audience: 'app', clock, ttlSec: 3600 });
    const verifier = issuer.verifier();
    await keys.ensureFresh();
    const before = await issuer.issue({ tenantId: a.id, userId: 'u1', role: 'member' });
    await verifier.verify(before.token);
    // Not yet due: ensureFresh keeps the key.
    const kidBefore = decodeProtectedHeader(before.token).kid;
    await keys.ensureFresh();
    expect((await keys.current()).kid).toBe(kidBefore);
    now = new Date(now.getTime() + 31 * MINUTE);
    await keys.ensureFresh();
    const after = await issuer.issue({ tenantId: a.id, userId: 'u2', role: 'member' });
    expect(decodeProtectedHeader(after.token).kid).not.toBe(kidBefore);
    const published = (await keys.published()).keys.map((k) => k.kid);
    expect(published).toHaveLength(2);
    expect(published).toContain(kidBefore);
    // The verifier sees the new kid at once (an unknown kid reloads the key set).
    expect((await verifier.verify(after.token)).sub).toBe('u2');
    expect((await issuer.verifier().verify(before.token)).sub).toBe('u1');
    // After retirement the old key is no longer published, and a fresh verifier refuses its tokens.
    now = new Date(now.getTime() + 16 * MINUTE);
    expect((await keys.published()).keys.map((k) => k.kid)).not.toContain(kidBefore);
    expect(await codeOf(issuer.verifier().verify(before.token))).toBe('TOKEN_INVALID');
    expect((await issuer.verifier().verify(after.token)).sub).toBe('u2');
  });

  it('are told apart from another issuer\'s by jwtVerifierByIssuer', async () => {
    const keys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock });
    const own = createTokenIssuer({ signingKeys: keys, issuer: 'https://tenantry.test', audience: 'app', clock });
    const stranger = createTokenIssuer({ signingKeys: keys, issuer: 'https://stranger.test', audience: 'app', clock });
    const verifier = jwtVerifierByIssuer([{ issuer: 'https://tenantry.test', verifier: own.verifier() }]);
    expect((await verifier.verify((await own.issue({ tenantId: a.id, userId: 'u3', role: 'viewer' })).token)).sub).toBe('u3');
    expect(await codeOf(verifier.verify((await stranger.issue({ tenantId: a.id, userId: 'u3', role: 'viewer' })).token))).toBe('TOKEN_INVALID');
    expect(await codeOf(verifier.verify('not-a-jwt'))).toBe('TOKEN_INVALID');
  });
});
