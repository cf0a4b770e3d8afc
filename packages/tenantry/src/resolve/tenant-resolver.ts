// The resolver: runs every configured strategy, checks that they agree, asks the registry,
// and admits only an active tenant. Fail closed: no match, disagreement, an unknown or a
// non-active tenant all stop the request here.
import { admitTenant, coreErrors, type Tenant, type TenantId } from '../core/index.js';
import { resolveErrors } from './errors.js';
import type { StrategyMatch, TenantReference, TenantStrategy } from './strategy.js';
import type { TenantRequest } from './tenant-request.js';

/** Finds tenants; the registry satisfies it, `cachedTenantLookup` wraps it. */
export interface TenantLookup {
  tryGet(id: TenantId): Promise<Tenant | undefined>;
  tryGetBySlug(slug: string): Promise<Tenant | undefined>;
}

export interface ResolvedTenant {
  readonly tenant: Tenant;
  /** Strategies that matched, in configured order; the first is `resolvedBy` in the tenant context. */
  readonly resolvedBy: readonly string[];
  /** Credentials verified by authoritative strategies (token claims, API-key scopes), by strategy name. */
  readonly credentials: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface TenantResolver {
  /** Resolves the tenant of a request or throws TENANT_UNRESOLVED, TENANT_AMBIGUOUS, TENANT_NOT_FOUND, TENANT_SUSPENDED, TENANT_NOT_ACTIVE. */
  resolve(request: TenantRequest): Promise<ResolvedTenant>;
}

async function lookup(tenants: TenantLookup, reference: TenantReference): Promise<Tenant | undefined> {
  return reference.by === 'id' ? tenants.tryGet(reference.id) : tenants.tryGetBySlug(reference.slug);
}

/**
 * @example
 * const resolver = createTenantResolver({
 *   strategies: [subdomainStrategy({ baseDomains: ['example.com'] }), jwtClaimStrategy({ verifier })],
 *   tenants: cachedTenantLookup(registry),
 * });
 * const { tenant } = await resolver.resolve(tenantRequest({ host, path, headers }));
 */
export function createTenantResolver(options: { strategies: readonly TenantStrategy[]; tenants: TenantLookup }): TenantResolver {
  const { strategies, tenants } = options;
  return {
    async resolve(request) {
      const matches: { strategy: string; match: StrategyMatch }[] = [];
      for (const strategy of strategies) {
        const match = await strategy.match(request);
        if (match) matches.push({ strategy: strategy.name, match });
      }
      if (matches.length === 0) throw resolveErrors.create('TENANT_UNRESOLVED');
      let tenant: Tenant | undefined;
      for (const { match } of matches) {
        const found = await lookup(tenants, match.reference);
        if (!found || found.status === 'deleted') {
          // An authoritative credential for a missing tenant, or a locator naming none.
          throw coreErrors.create('TENANT_NOT_FOUND');
        }
        if (tenant && tenant.id !== found.id) {
          throw resolveErrors.create('TENANT_AMBIGUOUS', { details: { sources: matches.map((m) => m.strategy) } });
        }
        tenant = found;
      }
      const resolved = admitTenant(tenant);
      const credentials: Record<string, Readonly<Record<string, unknown>>> = {};
      for (const { strategy, match } of matches) if (match.credentials) credentials[strategy] = match.credentials;
      return { tenant: resolved, resolvedBy: matches.map((m) => m.strategy), credentials };
    },
  };
}
