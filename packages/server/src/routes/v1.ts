// The versioned REST API: operator routes under /v1 (operator token) and tenant routes under
// /v1/tenant (API key or JWT, tenant resolved by the tenantry plugin inside that scope only).
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { requireOperator } from '../http/operator-auth.js';
import { tenantScope } from '../http/tenant-auth.js';
import { registerApiKeyRoutes } from './api-keys.js';
import { registerBrandingRoutes } from './branding.js';
import { registerFlagRoutes } from './flags.js';
import { registerInvitationRoutes } from './invitations.js';
import { registerMemberRoutes } from './members.js';
import { registerSettingsRoutes } from './settings.js';
import { registerTenantRoutes } from './tenants.js';

/**
 * @example await app.register(registerV1Routes, deps);
 */
export async function registerV1Routes(app: FastifyInstance, deps: ApiDependencies): Promise<void> {
  // Two encapsulated scopes: neither one's hooks reach the other's routes, nor unknown paths.
  await app.register(async (operators) => {
    requireOperator(operators, deps.control.operators);
    registerTenantRoutes(operators, deps);
  }, { prefix: '/v1' });
  await app.register(async (tenant) => {
    await tenantScope(tenant, deps);
    registerMemberRoutes(tenant, deps);
    registerInvitationRoutes(tenant, deps);
    registerApiKeyRoutes(tenant, deps);
    registerSettingsRoutes(tenant, deps);
    registerFlagRoutes(tenant, deps);
    registerBrandingRoutes(tenant, deps);
  }, { prefix: '/v1/tenant' });
}
