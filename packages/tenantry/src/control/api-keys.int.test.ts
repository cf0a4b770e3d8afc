// API keys against a real PostgreSQL: shown once and stored as a hash in the registry, verified
// for the resolver (unknown, altered, revoked and expired keys refused), last use written at
// most once per interval, and tenant B's handles finding nothing of tenant A's keys.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { apiKeyStrategy, createTenantResolver, tenantRequest, type ApiKeyVerifier } from '../resolve/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { memoryChangeFeed } from '../redis/index.js';
import { BUILT_IN_ROLE_PERMISSIONS, createApiKeys, createControlPlane, createMembers, systemActor, type Actor, type ApiKeys, type ControlScope } from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let apiKeys: ApiKeys;
// Time starts at testNow (TENANTRY_TEST_NOW) and moves only when a test moves it.
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const owner = systemActor('user:owner');
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const inTx = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.transaction(tenant.id, fn);
const storedKeys = async (tenant: Tenant) => (await t.admin.query('SELECT * FROM tenantry.api_keys WHERE tenant_id = $1 ORDER BY id', [tenant.id])).rows;
const registryRow = async (keyId: string) => (await t.admin.query('SELECT * FROM tenantry.api_key_registry WHERE key_id = $1', [keyId])).rows[0];
const lastUsed = async (keyId: string) => (await t.admin.query<{ at: Date | null }>('SELECT last_used_at AS at FROM tenantry.api_keys WHERE id = $1', [keyId])).rows[0]?.at;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  apiKeys = createApiKeys({ db: t.db, operator: t.operator, clock });
  // Keys and invitations act within their creator's current grant: 'user:owner' is a member.
  const members = createMembers();
  for (const tenant of [a, b]) await t.db.withTenant(tenant.id, (s) => members.add(s, { userId: 'owner', role: 'owner' }, systemActor('test')));
});
afterAll(() => t?.close());

describe('creating a key', () => {
  it('shows the key once, recognizably prefixed, and stores only its SHA-256, in the registry', async () => {
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'CI', scopes: ['members:read', 'tenant:read'] }, owner));
    expect(key).toMatch(/^tnt_live_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(apiKey).toMatchObject({ name: 'CI', scopes: ['tenant:read', 'members:read'], status: 'active', createdBy: 'user:owner' });
    const entry = await registryRow(apiKey.id);
    expect(entry?.owner_tenant).toBe(a.id);
    expect((entry?.secret_hash as Buffer).equals(createHash('sha256').update(key).digest())).toBe(true);
    const rows = await storedKeys(a);
    expect(JSON.stringify(rows)).not.toContain(key.slice(-43));
  });

  it('refuses scopes the actor does not hold and unknown scopes, writing nothing', async () => {
    const member: Actor = { id: 'user:m', permissions: BUILT_IN_ROLE_PERMISSIONS.member };
    const before = await storedKeys(a);
    expect(await codeOf(inTx(a, (s) => apiKeys.create(s, { name: 'x', scopes: ['members:write'] }, member)))).toBe('PERMISSION_ESCALATION');
    expect(await codeOf(inTx(a, (s) => apiKeys.create(s, { name: 'x', scopes: ['everything' as never] }, owner)))).toBe('PERMISSION_INVALID');
    expect(await codeOf(inTx(a, (s) => apiKeys.create(s, { name: 'x', scopes: [], expiresAt: new Date(now.getTime() - 1) }, owner)))).toBe('CONTROL_FIELD_INVALID');
    expect(await storedKeys(a)).toEqual(before);
    await inTx(a, (s) => apiKeys.create(s, { name: 'mine', scopes: ['apikeys:read'] }, member));
  });
});

describe('verifyApiKey', () => {
  it("is the resolver's ApiKeyVerifier and gives the key's tenant, id and scopes", async () => {
    expectTypeOf(apiKeys.verifyApiKey).toEqualTypeOf<ApiKeyVerifier>();
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'resolver', scopes: ['audit:read'] }, owner));
    expect(await apiKeys.verifyApiKey(key)).toEqual({ tenantId: a.id, keyId: apiKey.id, scopes: ['audit:read'] });
    const resolver = createTenantResolver({ strategies: [apiKeyStrategy({ verify: apiKeys.verifyApiKey })], tenants: t.registry });
    const resolved = await resolver.resolve(tenantRequest({ path: '/v1/members', headers: { 'x-api-key': key } }));
    expect(resolved.tenant.id).toBe(a.id);
    expect(resolved.credentials.apiKey).toEqual({ keyId: apiKey.id, scopes: ['audit:read'] });
  });

  it('refuses malformed and unknown keys', async () => {
    for (const key of ['', 'nope', `tnt_live_${'0'.repeat(24)}_${'a'.repeat(43)}`, `tnt_test_${'0'.repeat(24)}_${'a'.repeat(43)}`]) {
      expect(await apiKeys.verifyApiKey(key), key).toBeUndefined();
    }
  });

  it('refuses any altered key', async () => {
    const { key } = await inTx(a, (s) => apiKeys.create(s, { name: 'mutated', scopes: [] }, owner));
    await fc.assert(
      fc.asyncProperty(fc.nat(key.length - 1), fc.constantFrom(...'0123456789abcdefABCXYZ_-'), async (at, ch) => {
        const altered = key.slice(0, at) + ch + key.slice(at + 1);
        fc.pre(altered !== key);
        expect(await apiKeys.verifyApiKey(altered)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
    expect(await apiKeys.verifyApiKey(key)).toBeDefined();
  });

  it('refuses a revoked key at once, and drops its hash from the registry', async () => {
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'to revoke', scopes: [] }, owner));
    expect(await apiKeys.verifyApiKey(key)).toBeDefined();
    expect((await inTx(a, (s) => apiKeys.revoke(s, apiKey.id, owner))).status).toBe('revoked');
    expect(await apiKeys.verifyApiKey(key)).toBeUndefined();
    expect(await registryRow(apiKey.id)).toBeUndefined();
    expect((await inTx(a, (s) => apiKeys.revoke(s, apiKey.id, owner))).status).toBe('revoked');
  });

  it('refuses an expired key, by the clock', async () => {
    const expiresAt = new Date(now.getTime() + 60_000);
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'short', scopes: [], expiresAt }, owner));
    const start = now;
    try {
      now = new Date(expiresAt.getTime() - 1);
      expect(await apiKeys.verifyApiKey(key)).toBeDefined();
      now = expiresAt;
      expect(await apiKeys.verifyApiKey(key)).toBeUndefined();
      expect((await inTenant(a, (s) => apiKeys.get(s, apiKey.id))).status).toBe('expired');
    } finally {
      now = start;
    }
  });

  it('writes the last use on first use and then at most once a minute', async () => {
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'busy', scopes: [] }, owner));
    const start = now;
    try {
      expect(await lastUsed(apiKey.id)).toBeNull();
      await apiKeys.verifyApiKey(key);
      expect(await lastUsed(apiKey.id)).toEqual(start);
      now = new Date(start.getTime() + 59_999);
      await apiKeys.verifyApiKey(key);
      expect(await lastUsed(apiKey.id)).toEqual(start);
      now = new Date(start.getTime() + 60_000);
      await apiKeys.verifyApiKey(key);
      expect(await lastUsed(apiKey.id)).toEqual(now);
      expect((await inTenant(a, (s) => apiKeys.get(s, apiKey.id))).lastUsedAt).toEqual(now);
    } finally {
      now = start;
    }
  });

  it('says TENANT_SUSPENDED for a suspended tenant\'s key, and nothing once the tenant is deleted', async () => {
    const tenant = await t.registry.create({ slug: 'keyed-tenant' });
    const { key } = await t.db.transaction(tenant.id, (s) => apiKeys.create(s, { name: 'k', scopes: [] }, owner));
    await t.registry.suspend(tenant.id);
    expect(await codeOf(apiKeys.verifyApiKey(key))).toBe('TENANT_SUSPENDED');
    await t.registry.offboard(tenant.id);
    await t.registry.delete(tenant.id);
    expect(await apiKeys.verifyApiKey(key)).toBeUndefined();
    expect((await t.admin.query('SELECT 1 FROM tenantry.api_keys WHERE tenant_id = $1', [tenant.id])).rows).toEqual([]);
  });
});

describe("another tenant's keys", () => {
  it("are not found through tenant B's handles, cannot be revoked from B, and keep working", async () => {
    const { apiKey, key } = await inTx(a, (s) => apiKeys.create(s, { name: 'A only', scopes: ['tenant:read'] }, owner));
    const before = await storedKeys(a);
    expect(await codeOf(inTenant(b, (s) => apiKeys.get(s, apiKey.id)))).toBe('API_KEY_NOT_FOUND');
    expect(await codeOf(inTx(b, (s) => apiKeys.revoke(s, apiKey.id, owner)))).toBe('API_KEY_NOT_FOUND');
    expect((await inTenant(b, (s) => apiKeys.list(s))).map((k) => k.id)).not.toContain(apiKey.id);
    expect(await storedKeys(a)).toEqual(before);
    expect(await registryRow(apiKey.id)).toBeDefined();
    expect((await apiKeys.verifyApiKey(key))?.tenantId).toBe(a.id);
  });
});

describe('verified keys cached per instance (createControlPlane with a change feed)', () => {
  const plane = () => createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', clock, changeFeed: memoryChangeFeed() });

  it('serves a verified key without reading the database again, until its tenant\'s access changes', async () => {
    const control = plane();
    await control.ready();
    try {
      const { apiKey, key } = await inTenant(a, (s) => control.apiKeys.create(s, { name: 'cached', scopes: ['members:read'] }, owner));
      expect((await control.apiKeys.verifyApiKey(key))?.keyId).toBe(apiKey.id);
      // Behind the library's back: the cached answer stands (the cache is real) …
      await t.admin.query('UPDATE tenantry.api_keys SET scopes = $2 WHERE id = $1', [apiKey.id, ['tenant:read']]);
      expect((await control.apiKeys.verifyApiKey(key))?.scopes).toEqual(['members:read']);
      // … until a change is announced, which drops it.
      await control.access.changed(a.id);
      expect((await control.apiKeys.verifyApiKey(key))?.scopes).toEqual(['tenant:read']);
      await inTenant(a, (s) => control.apiKeys.revoke(s, apiKey.id, owner));
      expect(await control.apiKeys.verifyApiKey(key)).toBeUndefined();
    } finally {
      await control.close();
    }
  });

  it('refuses a cached key once a key on its creator chain expires, by the clock alone', async () => {
    const control = plane();
    await control.ready();
    const started = now;
    try {
      const parent = await inTenant(a, (s) => control.apiKeys.create(s, { name: 'parent', scopes: ['members:read'], expiresAt: new Date(now.getTime() + 60_000) }, owner));
      const made = await inTenant(a, (s) => control.apiKeys.create(s, { name: 'child', scopes: ['members:read'] }, { id: `api-key:${parent.apiKey.id}`, permissions: ['members:read'] }));
      expect((await control.apiKeys.verifyApiKey(made.key))?.keyId).toBe(made.apiKey.id);
      now = new Date(now.getTime() + 59_999);
      expect((await control.apiKeys.verifyApiKey(made.key))?.keyId).toBe(made.apiKey.id);
      now = new Date(now.getTime() + 1);
      expect(await control.apiKeys.verifyApiKey(made.key)).toBeUndefined();
      expect(await control.apiKeys.verifyApiKey(parent.key)).toBeUndefined();
    } finally {
      now = started;
      await control.close();
    }
  });
});
