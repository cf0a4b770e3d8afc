// The one way tenant routes reach their data: a scope of the tenant the request resolved to,
// taken from the tenant context (never from a parameter a caller could change).
import { requireTenant } from 'tenantry';
import type { TenantDatabase, TenantScope } from 'tenantry/postgres';

/**
 * @example const inTenant = inCurrentTenant(db); await inTenant((scope) => control.members.list(scope));
 */
export function inCurrentTenant(db: TenantDatabase): <T>(work: (scope: TenantScope) => Promise<T>) => Promise<T> {
  return (work) => db.withTenant(requireTenant().tenantId, work);
}
