// Path strategy: `/t/acme/...` → slug `acme`.
import { coreErrors } from '../../core/index.js';
import type { TenantStrategy } from '../strategy.js';
import { referenceFrom } from './reference.js';

/**
 * @example pathStrategy({ prefix: '/t/' })
 */
export function pathStrategy(options: { prefix?: string } = {}): TenantStrategy {
  const prefix = (options.prefix ?? '/t/').replace(/\/?$/, '/');
  return {
    name: 'path',
    match(request) {
      if (!request.path.startsWith(prefix)) return undefined;
      const segment = decodeURIComponent(request.path.slice(prefix.length).split('/')[0] ?? '');
      const reference = referenceFrom(segment);
      if (!reference) throw coreErrors.create('TENANT_NOT_FOUND');
      return { reference, weight: 'locator' };
    },
  };
}
