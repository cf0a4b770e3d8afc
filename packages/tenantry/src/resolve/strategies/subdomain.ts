// Subdomain strategy: `acme.example.com` → slug `acme`, for configured base domains only.
import { coreErrors } from '../../core/index.js';
import { parseHost, subdomainOf } from '../host.js';
import type { TenantStrategy } from '../strategy.js';
import { referenceFrom } from './reference.js';

/**
 * Hosts outside the configured base domains never resolve here: a request for
 * `acme.attacker.test` must not find tenant "acme".
 *
 * @example subdomainStrategy({ baseDomains: ['example.com'] })
 */
export function subdomainStrategy(options: { baseDomains: readonly string[] }): TenantStrategy {
  const bases = options.baseDomains.map((d) => parseHost(d));
  return {
    name: 'subdomain',
    match(request) {
      if (request.host === undefined) return undefined;
      const host = parseHost(request.host);
      for (const base of bases) {
        const label = subdomainOf(host, base);
        if (label === undefined) continue;
        const reference = referenceFrom(label);
        if (!reference || reference.by !== 'slug') throw coreErrors.create('TENANT_NOT_FOUND');
        return { reference, weight: 'locator' };
      }
      return undefined;
    },
  };
}
