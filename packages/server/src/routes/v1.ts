// The versioned REST API: operator routes under /v1 (operator token) and tenant routes under
// /v1/tenant (API key or JWT, tenant resolved by the tenantry plugin inside that scope only).
import type { FastifyInstance } from 'fastify';
import { systemClock } from 'tenantry';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { enforceBillingEntitlement } from '../http/billing-entitlement.js';
import { requireOperator } from '../http/operator-auth.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { recordTenantActivity } from '../http/tenant-activity.js';
import { tenantScope } from '../http/tenant-auth.js';
import { registerAlertRoutes } from './alerts.js';
import { registerAuthorizeRoute } from './authorize.js';
import { registerAnalyticsRoutes } from './analytics.js';
import { registerApiKeyRoutes } from './api-keys.js';
import { registerAuditRoutes } from './audit.js';
import { registerBillingRoutes } from './billing.js';
import { registerBillingWebhookRoutes } from './billing-webhooks.js';
import { registerBrandingRoutes } from './branding.js';
import { registerDomainRoutes } from './domains.js';
import { registerFlagRoutes } from './flags.js';
import { registerHealthReportRoutes } from './health-report.js';
import { registerImpersonationRoutes } from './impersonations.js';
import { registerOperatorJobRoutes, registerTenantJobRoutes } from './jobs.js';
import { registerInvoiceRoutes, registerTenantInvoiceRoutes } from './invoices.js';
import { registerInvitationRoutes } from './invitations.js';
import { registerMemberRoutes } from './members.js';
import { registerMobilityRoutes } from './mobility.js';
import { registerOperatorRoutes } from './operators.js';
import { registerOriginRoutes } from './origins.js';
import { registerPlanRoutes } from './plans.js';
import { registerQuotaOverrideRoutes } from './quota-overrides.js';
import { registerRoleRoutes } from './roles.js';
import { registerSettingsRoutes } from './settings.js';
import { registerSigningSecretRoutes } from './signing-secrets.js';
import { registerSubscriptionRoutes } from './subscriptions.js';
import { registerScimRoutes } from './scim.js';
import { registerPublicSsoRoutes, registerTenantSsoRoutes } from './sso.js';
import { registerTenantSummaryRoutes } from './tenant-summary.js';
import { registerTenantRoutes } from './tenants.js';
import { registerUsageEventRoutes } from './usage-events.js';
import { registerUsageRoutes } from './usage.js';
import { registerWebhookRoutes } from './webhooks.js';

/**
 * @example await app.register(registerV1Routes, deps);
 */
export async function registerV1Routes(app: FastifyInstance, deps: ApiDependencies): Promise<void> {
  const clock = deps.clock ?? systemClock;
  // Two encapsulated scopes: neither one's hooks reach the other's routes, nor unknown paths.
  await app.register(async (operators) => {
    requireOperator(operators, deps.control.operators);
    registerTenantRoutes(operators, deps);
    registerImpersonationRoutes(operators, deps);
    if (deps.quota) {
      registerPlanRoutes(operators, deps.quota);
      registerQuotaOverrideRoutes(operators, deps.quota, clock);
      registerBillingRoutes(operators, deps.quota, clock);
      registerTenantSummaryRoutes(operators, { registry: deps.registry, quota: deps.quota, clock });
    }
    if (deps.billing) {
      registerSubscriptionRoutes(operators, deps.billing);
      registerInvoiceRoutes(operators, deps, deps.billing);
    }
    if (deps.operator) {
      registerAuditRoutes(operators, { registry: deps.registry, operator: deps.operator, clock });
      registerOperatorRoutes(operators, { operators: deps.control.operators, operator: deps.operator, clock });
      if (deps.mobility) registerMobilityRoutes(operators, { registry: deps.registry, db: deps.db, operator: deps.operator, clock, mobility: deps.mobility });
    }
    if (deps.health) {
      registerAnalyticsRoutes(operators, deps.health.analytics);
      registerHealthReportRoutes(operators, deps.health.reports);
      registerAlertRoutes(operators, deps.health.alerts, deps.registry, deps.control.operators);
    }
    if (deps.jobs) registerOperatorJobRoutes(operators, deps.jobs.queue);
  }, { prefix: '/v1' });
  await app.register(async (tenant) => {
    await tenantScope(tenant, deps);
    if (deps.health) recordTenantActivity(tenant, deps.health.activity);
    if (deps.rateLimit) registerRateLimit(tenant, deps.rateLimit);
    if (deps.billing) enforceBillingEntitlement(tenant, deps.billing);
    registerMemberRoutes(tenant, deps);
    registerInvitationRoutes(tenant, deps);
    registerApiKeyRoutes(tenant, deps);
    registerRoleRoutes(tenant, deps);
    registerOriginRoutes(tenant, deps);
    registerSigningSecretRoutes(tenant, deps);
    registerDomainRoutes(tenant, deps);
    if (deps.quota) {
      registerUsageRoutes(tenant, deps, deps.quota);
      registerUsageEventRoutes(tenant, deps, deps.quota);
    }
    registerSettingsRoutes(tenant, deps);
    registerFlagRoutes(tenant, deps);
    registerBrandingRoutes(tenant, deps);
    if (deps.billing) registerTenantInvoiceRoutes(tenant, deps);
    if (deps.identity) registerTenantSsoRoutes(tenant, { db: deps.db, identity: deps.identity });
    if (deps.jobs) {
      registerWebhookRoutes(tenant, deps, deps.jobs.webhooks);
      registerTenantJobRoutes(tenant, deps.jobs.queue);
    }
  }, { prefix: '/v1/tenant' });
  // The gateway endpoint: a tenant scope of its own, so /v1/tenant's hooks and routes stay apart.
  await app.register(async (gateway) => registerAuthorizeRoute(gateway, deps), { prefix: '/v1' });
  if (deps.identity) {
    registerPublicSsoRoutes(app, deps.identity);
    registerScimRoutes(app, { db: deps.db, identity: deps.identity });
  }
  const { billing } = deps;
  if (billing) await app.register(async (providers) => registerBillingWebhookRoutes(providers, billing), { prefix: '/v1' });
}
