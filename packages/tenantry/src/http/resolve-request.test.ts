// The neutral request → tenant step every adapter runs, against a stand-in resolver (the real
// resolver and registry run in tests/conformance/http-adapters.test.ts).
import { describe, expect, it } from 'vitest';
import { coreErrors, currentTenant, parseTenantId, TenantryError, type Tenant } from '../core/index.js';
import { resolveErrors, tenantRequest, type ResolvedTenant, type TenantResolver } from '../resolve/index.js';
import { createTenantMiddlewareCore, type TenantMiddlewareOptions } from './resolve-request.js';

const acme: Tenant = {
  id: parseTenantId('0190a6f2-0000-7000-8000-00000000000a'),
  slug: 'acme',
  displayName: 'Acme',
  status: 'active',
  tier: 'pooled',
  plan: 'free',
  region: 'eu',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  statusChangedAt: new Date(0),
  version: 1,
};
const resolved: ResolvedTenant = { tenant: acme, resolvedBy: ['subdomain', 'jwt'], credentials: { jwt: { sub: 'u1' } } };
const answering = (outcome: () => Promise<ResolvedTenant>): TenantResolver & { calls: number } => {
  const resolver = { calls: 0, resolve: () => (resolver.calls++, outcome()) };
  return resolver;
};
const request = (path = '/orders') => tenantRequest({ host: 'acme.example.com', path });

describe('createTenantMiddlewareCore', () => {
  it('runs the rest of the request inside the resolved tenant context, named by the first matching strategy', async () => {
    const result = await createTenantMiddlewareCore({ resolver: answering(async () => resolved) })(request());
    if (!result.ok) throw new Error('expected a tenant');
    expect(result.context).toEqual({ tenantId: acme.id, slug: 'acme', resolvedBy: 'subdomain' });
    expect(result.resolved).toBe(resolved);
    const inside = await result.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentTenant();
    });
    expect(inside).toEqual({ tenantId: acme.id, slug: 'acme', resolvedBy: 'subdomain' });
    expect(currentTenant()).toBeUndefined();
  });

  it('turns a resolution error into the problem of its kind, with the request id', async () => {
    const result = await createTenantMiddlewareCore({ resolver: answering(() => Promise.reject(coreErrors.create('TENANT_SUSPENDED'))) })(request(), {
      requestId: 'r-9',
    });
    expect(result).toMatchObject({ ok: false, problem: { status: 403, body: { code: 'TENANT_SUSPENDED', requestId: 'r-9' } } });
  });

  it('turns a resolver crash into INTERNAL, keeping the crash as the cause and out of the body', async () => {
    const crash = new Error('connect ECONNREFUSED 10.0.0.7:5432');
    const result = await createTenantMiddlewareCore({ resolver: answering(() => Promise.reject(crash)) })(request());
    if (result.ok) throw new Error('expected a problem');
    expect(result.problem).toMatchObject({ status: 500, cause: crash, log: 'error', body: { code: 'INTERNAL' } });
    expect(JSON.stringify(result.problem.body)).not.toContain('ECONNREFUSED');
  });

  it('lets a skipped request through with no tenant and without asking the resolver', async () => {
    const resolver = answering(() => Promise.reject(resolveErrors.create('TENANT_UNRESOLVED')));
    const resolveTenant = createTenantMiddlewareCore({ resolver, skip: (req) => req.path === '/health' });
    const result = await resolveTenant(request('/health'));
    if (!result.ok) throw new Error('expected the request through');
    expect(result.context).toBeUndefined();
    expect(result.run(() => currentTenant())).toBeUndefined();
    expect(resolver.calls).toBe(0);
    expect((await resolveTenant(request('/orders'))).ok).toBe(false);
  });

  it('runs onResolved inside the tenant context and refuses the request with the error it throws', async () => {
    let seen: unknown;
    const denied = new TenantryError('TEST_DENIED', { kind: 'forbidden', message: 'Members only.', fix: 'Join.' }, { details: { permission: 'orders:read' } });
    const result = await createTenantMiddlewareCore({
      resolver: answering(async () => resolved),
      onResolved: async (r, req) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen = { tenant: currentTenant()?.tenantId, claims: r.credentials.jwt, path: req.path };
        throw denied;
      },
    })(request());
    expect(seen).toEqual({ tenant: acme.id, claims: { sub: 'u1' }, path: '/orders' });
    expect(result).toMatchObject({ ok: false, problem: { status: 403, error: denied, body: { code: 'TEST_DENIED', details: { permission: 'orders:read' } } } });
  });

  it('renders problem types under a configured base', async () => {
    const result = await createTenantMiddlewareCore({
      resolver: answering(() => Promise.reject(coreErrors.create('TENANT_NOT_FOUND'))),
      problemTypeBase: 'https://errors.example.com/',
    })(request());
    expect(result).toMatchObject({ ok: false, problem: { body: { type: 'https://errors.example.com/TENANT_NOT_FOUND' } } });
  });

  it('refuses a misspelt option or a missing resolver with CONFIG_INVALID naming it', () => {
    const resolver = answering(async () => resolved);
    expect(() => createTenantMiddlewareCore({ resolver, skipp: () => true } as TenantMiddlewareOptions)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { path: 'skipp', reason: 'unknown option' } }),
    );
    expect(() => createTenantMiddlewareCore({} as TenantMiddlewareOptions)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: expect.objectContaining({ path: 'resolver' }) as unknown }),
    );
  });
});
