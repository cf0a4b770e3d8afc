// A past-due tenant degraded to read-only (docs/billing.md) keeps reading but writes nothing:
// every mutating /v1/tenant request but usage reports is refused with 403 BILLING_READ_ONLY. The
// entitlement comes from the instance's cache (dropped on every instance through the change feed
// when billing changes it), so a warm tenant's write costs no query for it; reads cost nothing.
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { billingErrors, type Billing } from 'tenantry/billing';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Usage that happened is recorded whatever the tenant's standing (metering never refuses, see
// docs/quotas.md): a read-only tenant's backend keeps reporting it, and it is billed.
const ALWAYS_WRITABLE = new Set(['/v1/tenant/usage-events']);

/** @example enforceBillingEntitlement(tenantScope, deps.billing); */
export function enforceBillingEntitlement(app: FastifyInstance, billing: Pick<Billing, 'entitlement'>): void {
  app.addHook('preHandler', async (request) => {
    if (READS.has(request.method) || ALWAYS_WRITABLE.has(request.routeOptions.url ?? '')) return;
    if (await billing.entitlement(requireTenant().tenantId) === 'read_only') throw billingErrors.create('BILLING_READ_ONLY');
  });
}
