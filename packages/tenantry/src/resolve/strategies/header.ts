// Header strategy: the tenant's id or slug in a request header (default `X-Tenant`).
import { coreErrors } from '../../core/index.js';
import type { TenantStrategy } from '../strategy.js';
import { referenceFrom } from './reference.js';

/**
 * @example headerStrategy({ name: 'x-tenant' })
 */
export function headerStrategy(options: { name?: string } = {}): TenantStrategy {
  const name = (options.name ?? 'x-tenant').toLowerCase();
  return {
    name: 'header',
    match(request) {
      const raw = request.header(name);
      if (raw === undefined || raw.trim() === '') return undefined;
      // Two values ("a, b") or garbage name no tenant: say not found rather than guess.
      const reference = raw.includes(',') ? undefined : referenceFrom(raw);
      if (!reference) throw coreErrors.create('TENANT_NOT_FOUND');
      return { reference, weight: 'locator' };
    },
  };
}
