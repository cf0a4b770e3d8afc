// Commands name a tenant by id or by slug; a UUID is always read as an id (slugs are DNS labels
// and a 36-character UUID with dashes in its places is never taken as one here).
import { tryParseTenantId, type Tenant } from 'tenantry';
import type { GetTenantOptions, TenantRegistry } from 'tenantry/control';

/**
 * The live tenant with that id or slug; throws TENANT_NOT_FOUND. With `{ deleted: 'include' }`
 * an id also finds a deleted tenant's tombstone (a slug is free again once its tenant is deleted).
 *
 * @example const tenant = await findTenant(registry, 'acme');
 */
export function findTenant(registry: TenantRegistry, ref: string, options: GetTenantOptions = {}): Promise<Tenant> {
  const id = tryParseTenantId(ref);
  return id === undefined ? registry.getBySlug(ref) : registry.get(id, options);
}
