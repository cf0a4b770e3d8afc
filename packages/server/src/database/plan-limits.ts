// Each tenant's database limits from its plan (docs/noisy-neighbours.md): the timeouts set in
// its transactions and its weight and connection cap in the app pool's fair admission.
import type { TenantId } from 'tenantry';
import type { TenantLookup } from 'tenantry/resolve';
import type { PlanCatalog } from 'tenantry/quota';
import type { TenantDatabaseLimits, TenantLimitsSource } from 'tenantry/postgres';

/**
 * The limits of a tenant's plan, found through the registry's lookup (cached per instance when
 * the server has a change feed, so this costs a map hit per request). A tenant the lookup does
 * not find gets none: the gate refuses it at its first statement anyway.
 *
 * @example createTenantDatabase({ pool, limits: planLimits(() => registry.lookup, catalog) })
 */
export function planLimits(lookup: () => TenantLookup | undefined, catalog: PlanCatalog): TenantLimitsSource {
  return async (tenantId: TenantId): Promise<TenantDatabaseLimits | undefined> => {
    const tenant = await lookup()?.tryGet(tenantId);
    return tenant === undefined ? undefined : catalog.tryPlan(tenant.plan)?.database;
  };
}
