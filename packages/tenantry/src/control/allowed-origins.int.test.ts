// Allowed origins against a real PostgreSQL: stored in one canonical spelling, capped per
// tenant, and each tenant's list its own.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createAllowedOrigins, isOriginAllowed, MAX_ALLOWED_ORIGINS, type ControlScope } from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
const origins = createAllowedOrigins();
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const stored = async (tenant: Tenant) => (await t.admin.query<{ origin: string }>('SELECT origin FROM tenantry.allowed_origins WHERE tenant_id = $1 ORDER BY origin', [tenant.id])).rows.map((r) => r.origin);

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants as [Tenant, Tenant];
});
afterAll(() => t?.close());

describe('allowed origins', () => {
  it('stores each origin once, in canonical form, and the list answers isOriginAllowed', async () => {
    expect(await inTenant(a, (s) => origins.add(s, 'HTTPS://App.Acme.com:443/'))).toBe('https://app.acme.com');
    expect(await inTenant(a, (s) => origins.add(s, 'https://app.acme.com'))).toBe('https://app.acme.com');
    await inTenant(a, (s) => origins.add(s, 'https://*.acme.dev'));
    const list = await inTenant(a, (s) => origins.list(s));
    expect(list).toEqual(['https://*.acme.dev', 'https://app.acme.com']);
    expect(isOriginAllowed(list, 'https://app.acme.com')).toBe(true);
    expect(isOriginAllowed(list, 'https://eu.acme.dev')).toBe(true);
    expect(isOriginAllowed(list, 'https://evil.example')).toBe(false);
  });

  it('refuses an invalid origin, writing nothing', async () => {
    const before = await stored(a);
    expect(await codeOf(inTenant(a, (s) => origins.add(s, 'https://acme.com/path')))).toBe('ORIGIN_INVALID');
    expect(await codeOf(inTenant(a, (s) => origins.add(s, '*')))).toBe('ORIGIN_INVALID');
    expect(await stored(a)).toEqual(before);
  });

  it('removes an origin, and says not found for one not listed', async () => {
    await inTenant(a, (s) => origins.add(s, 'http://localhost:3000'));
    await inTenant(a, (s) => origins.remove(s, 'http://LOCALHOST:3000/'));
    expect(await stored(a)).not.toContain('http://localhost:3000');
    expect(await codeOf(inTenant(a, (s) => origins.remove(s, 'http://localhost:3000')))).toBe('ORIGIN_NOT_FOUND');
    expect(await codeOf(inTenant(a, (s) => origins.remove(s, 'garbage')))).toBe('ORIGIN_NOT_FOUND');
  });

  it(`stops at ${MAX_ALLOWED_ORIGINS} origins per tenant`, async () => {
    const tenant = await t.registry.create({ slug: 'many-origins' });
    await t.db.transaction(tenant.id, async (tx) => {
      for (let i = 0; i < MAX_ALLOWED_ORIGINS; i += 1) await origins.add(tx, `https://o${i}.example.com`);
    });
    expect(await codeOf(inTenant(tenant, (s) => origins.add(s, 'https://one-more.example.com')))).toBe('ORIGIN_LIMIT_REACHED');
    // Adding one already listed is not a new origin.
    expect(await inTenant(tenant, (s) => origins.add(s, 'https://o0.example.com'))).toBe('https://o0.example.com');
    expect((await stored(tenant)).length).toBe(MAX_ALLOWED_ORIGINS);
  });

  it("keeps tenant B from seeing or removing tenant A's origins", async () => {
    await inTenant(a, (s) => origins.add(s, 'https://only-a.example.com'));
    const before = await stored(a);
    expect(await inTenant(b, (s) => origins.list(s))).not.toContain('https://only-a.example.com');
    expect(await codeOf(inTenant(b, (s) => origins.remove(s, 'https://only-a.example.com')))).toBe('ORIGIN_NOT_FOUND');
    // B may list the same origin for itself: lists are per tenant.
    await inTenant(b, (s) => origins.add(s, 'https://only-a.example.com'));
    await inTenant(b, (s) => origins.remove(s, 'https://only-a.example.com'));
    expect(await stored(a)).toEqual(before);
  });
});
