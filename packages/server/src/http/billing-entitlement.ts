// A past-due tenant degraded to read-only (docs/billing.md) keeps reading but writes nothing:
// every mutating /v1/tenant request is refused with 403 BILLING_READ_ONLY. One read of the
// tenant's subscription row per mutating request, through the app role; reads cost nothing.
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { billingErrors, tenantBillingReader } from 'tenantry/billing';
import type { TenantDatabase } from 'tenantry/postgres';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** @example enforceBillingEntitlement(tenantScope, deps.db); */
export function enforceBillingEntitlement(app: FastifyInstance, db: TenantDatabase): void {
  const reader = tenantBillingReader(db);
  app.addHook('preHandler', async (request) => {
    if (READS.has(request.method)) return;
    const subscription = await reader.subscription(requireTenant().tenantId);
    if (subscription?.entitlement === 'read_only') throw billingErrors.create('BILLING_READ_ONLY');
  });
}
