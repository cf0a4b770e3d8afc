// Which tenants may work, decided from the registry's record: the rule the database gate
// (postgres/tenant-gate.ts) applies in SQL, for the places that read the record instead (the
// resolver, stores kept outside Tenantry's database). One rule, so a status means the same
// everywhere.
import { coreErrors } from './errors.js';
import type { Tenant } from './tenant.js';

/** What the tenant is admitted for: ordinary work (active only), or its own purge (active or offboarding). */
export type AdmissionPurpose = 'work' | 'purge';

/**
 * Returns the tenant when it may do `purpose`; otherwise throws TENANT_NOT_FOUND (unknown or
 * deleted), TENANT_SUSPENDED, or TENANT_NOT_ACTIVE (provisioning, offboarding).
 *
 * @example const tenant = admitTenant(await registry.lookup.tryGet(id));
 */
export function admitTenant(tenant: Tenant | undefined, purpose: AdmissionPurpose = 'work'): Tenant {
  if (tenant === undefined || tenant.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
  if (tenant.status === 'active') return tenant;
  if (tenant.status === 'offboarding' && purpose === 'purge') return tenant;
  if (tenant.status === 'suspended') throw coreErrors.create('TENANT_SUSPENDED');
  throw coreErrors.create('TENANT_NOT_ACTIVE');
}
