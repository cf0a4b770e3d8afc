// Signing secrets against a real PostgreSQL: stored encrypted under the tenant's data key (or,
// when chosen, as plaintext), rotated with a grace period for the previous secret, rotations
// serialized, and each tenant's secrets its own.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createTenantEncryption, localKeyProvider } from '../crypto/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createSigningSecrets, signPayload, verifySignature, type ControlScope, type SigningSecrets } from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
// Time starts at testNow (TENANTRY_TEST_NOW) and moves only when a test moves it.
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const HOUR = 3_600_000;
const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: randomBytes(32) } }), clock });
const secrets: SigningSecrets = createSigningSecrets({ encryption, clock, graceMs: HOUR });
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const inTx = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.transaction(tenant.id, fn);
const stored = async (tenant: Tenant) =>
  (await t.admin.query('SELECT id, secret, storage, retires_at FROM tenantry.signing_secrets WHERE tenant_id = $1 ORDER BY created_at, id', [tenant.id])).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
});
afterAll(() => t?.close());

describe('signing secrets', () => {
  it('do not exist before the first rotation', async () => {
    const fresh = await t.registry.create({ slug: 'no-secret-yet' });
    expect(await codeOf(inTenant(fresh, (s) => secrets.currentSecret(s)))).toBe('SIGNING_SECRET_NOT_FOUND');
    expect(await inTenant(fresh, (s) => secrets.list(s))).toEqual([]);
  });

  it('are shown on rotation and stored only encrypted under the tenant\'s key', async () => {
    const created = await inTx(a, (s) => secrets.rotate(s));
    expect(created.secret).toMatch(/^tnt_sig_[A-Za-z0-9_-]{43}$/);
    expect(created.status).toBe('current');
    const [row] = (await stored(a)).filter((r) => r.id === created.id);
    expect(row?.storage).toBe('envelope');
    expect(row?.secret).not.toContain(created.secret.slice(8));
    expect((await inTenant(a, (s) => secrets.currentSecret(s))).secret).toBe(created.secret);
    expect(JSON.stringify(await inTenant(a, (s) => secrets.list(s)))).not.toContain(created.secret);
  });

  it('keep the previous secret verifying through the grace period after a rotation, and not after it', async () => {
    const start = now;
    try {
      // graceMs 0: earlier tests' secrets are gone, this one alone is current.
      const first = await inTx(a, (s) => secrets.rotate(s, { graceMs: 0 }));
      const header = signPayload(first.secret, now, 'payload');
      const second = await inTx(a, (s) => secrets.rotate(s));
      const active = await inTenant(a, (s) => secrets.activeSecrets(s));
      expect(active.map((x) => [x.id, x.status])).toEqual([[second.id, 'current'], [first.id, 'retiring']]);
      expect(active[1]?.retiresAt).toEqual(new Date(now.getTime() + HOUR));
      expect(verifySignature(active.map((x) => x.secret), header, 'payload', { now })).toMatchObject({ valid: true, secretIndex: 1 });
      now = new Date(start.getTime() + HOUR);
      const later = await inTenant(a, (s) => secrets.activeSecrets(s));
      expect(later.map((x) => x.id)).toEqual([second.id]);
      expect(verifySignature(later.map((x) => x.secret), signPayload(first.secret, now, 'payload'), 'payload', { now })).toEqual({ valid: false, reason: 'mismatch' });
    } finally {
      now = start;
    }
  });

  it('retire every previous secret at once with graceMs 0 (after a leak)', async () => {
    await inTx(a, (s) => secrets.rotate(s));
    const fresh = await inTx(a, (s) => secrets.rotate(s, { graceMs: 0 }));
    expect((await inTenant(a, (s) => secrets.activeSecrets(s))).map((x) => x.id)).toEqual([fresh.id]);
    expect((await stored(a)).map((r) => r.id)).toEqual([fresh.id]);
  });

  it('end with exactly one current secret after concurrent rotations', async () => {
    const rotated = await Promise.all([1, 2, 3].map(() => inTx(a, (s) => secrets.rotate(s))));
    const current = (await stored(a)).filter((r) => r.retires_at === null);
    expect(current).toHaveLength(1);
    expect(rotated.map((r) => r.id)).toContain(current[0]?.id);
  });

  it("keep each tenant's secrets apart", async () => {
    const ofA = await inTx(a, (s) => secrets.rotate(s));
    const before = await stored(a);
    await inTx(b, (s) => secrets.rotate(s, { graceMs: 0 }));
    const ofB = await inTenant(b, (s) => secrets.activeSecrets(s));
    expect(ofB.map((x) => x.id)).not.toContain(ofA.id);
    expect(ofB.map((x) => x.secret)).not.toContain(ofA.secret);
    expect(await stored(a)).toEqual(before);
  });

  it("store plaintext only when told to, and refuse to read encrypted ones without the encryption", async () => {
    const plain = createSigningSecrets({ encryption: 'none', clock });
    const tenant = await t.registry.create({ slug: 'plain-secrets' });
    const created = await t.db.transaction(tenant.id, (s) => plain.rotate(s));
    expect(await stored(tenant)).toEqual([expect.objectContaining({ secret: created.secret, storage: 'plaintext' })]);
    expect((await inTenant(tenant, (s) => secrets.currentSecret(s))).secret).toBe(created.secret);
    expect(await codeOf(inTenant(a, (s) => plain.currentSecret(s)))).toBe('SIGNING_SECRET_UNREADABLE');
    expect(() => createSigningSecrets({} as never)).toThrow();
  });
});
