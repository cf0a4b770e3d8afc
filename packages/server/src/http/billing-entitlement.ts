// A past-due tenant degraded to read-only (docs/billing.md) keeps reading but writes nothing:
// every mutating /v1/tenant request but usage reports is refused with 403 BILLING_READ_ONLY. One
// read of the tenant's subscription row per such request, through the app role; reads cost nothing.
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { billingErrors, tenantBillingReader } from 'tenantry/billing';
import type { TenantDatabase } from 'tenantry/postgres';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Usage that happened is recorded whatever the tenant's standing (metering never refuses, see
// docs/quotas.md): a read-only tenant's backend keeps reporting it, and it is billed.
const ALWAYS_WRITABLE = new Set(['/v1/tenant/usage-events']);

/** @example enforceBillingEntitlement(tenantScope, deps.db); */
export function enforceBillingEntitlement(app: FastifyInstance, db: TenantDatabase): void {
  const reader = tenantBillingReader(db);
  app.addHook('preHandler', async (request) => {
    if (READS.has(request.method) || ALWAYS_WRITABLE.has(request.routeOptions.url ?? '')) return;
    const subscription = await reader.subscription(requireTenant().tenantId);
    if (subscription?.entitlement === 'read_only') throw billingErrors.create('BILLING_READ_ONLY');
  });
}
