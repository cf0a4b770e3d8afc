// Custom-domain strategy: a tenant's own verified domain (`app.acme.com`) → that tenant.
import type { TenantId } from '../../core/index.js';
import { parseHost } from '../host.js';
import type { TenantStrategy } from '../strategy.js';

/** Finds the tenant that owns a *verified* domain; unverified domains must return undefined. */
export type VerifiedDomainLookup = (host: string) => Promise<TenantId | undefined>;

/**
 * @example customDomainStrategy({ lookup: (host) => domains.verifiedOwner(host) })
 */
export function customDomainStrategy(options: { lookup: VerifiedDomainLookup; ignore?: readonly string[] }): TenantStrategy {
  const ignored = (options.ignore ?? []).map((d) => parseHost(d));
  return {
    name: 'domain',
    async match(request) {
      if (request.host === undefined) return undefined;
      const host = parseHost(request.host);
      // The platform's own domains (and their subdomains) are never a tenant's custom domain.
      if (ignored.some((base) => host === base || host.endsWith(`.${base}`))) return undefined;
      const id = await options.lookup(host);
      return id ? { reference: { by: 'id', id }, weight: 'locator' } : undefined;
    },
  };
}
