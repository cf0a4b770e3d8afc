// The gateway endpoint (docs/gateway.md): GET /v1/authorize for nginx `auth_request`, Traefik
// forward-auth or Kong. The gateway forwards the original request's headers; Tenantry resolves
// and authenticates it exactly as it does its own tenant routes (API key, JWT, impersonation
// token), applies the tenant's rate limit, and answers 200 with the tenant in headers for the
// gateway to pass upstream — or 401, 403, 429. The upstream trusts X-Tenant-Id only because the
// gateway sets it from this answer and drops whatever the client sent.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { resolveErrors } from 'tenantry/resolve';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { resolvedTenantOf, tenantPrincipalOf, type TenantPrincipal } from '../http/principal.js';
import { registerRateLimit } from '../http/rate-limit.js';
import { tenantScope } from '../http/tenant-auth.js';
import { strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const Authorized = strictObject({
  tenantId: Uuid, slug: Type.String(), plan: Type.String(),
  principal: Type.String({ description: '`user:<id>`, `api-key:<id>` or `operator:<id>` (impersonating); also the X-Tenant-Principal header.' }),
});

function principalName(principal: TenantPrincipal): string {
  if (principal.kind === 'user') return `user:${principal.userId}`;
  if (principal.kind === 'apiKey') return `api-key:${principal.keyId}`;
  return `operator:${principal.operatorId}`;
}

/** A header's single value ('' and absent alike are undefined). */
function header(value: string | string[] | undefined): string | undefined {
  const one = Array.isArray(value) ? value.join(',') : value;
  return one === undefined || one === '' ? undefined : one;
}

/**
 * Registers GET /v1/authorize in its own tenant scope (the same resolution, authentication and
 * rate limit as /v1/tenant, none of its routes).
 *
 * @example await app.register(async (scope) => registerAuthorizeRoute(scope, deps), { prefix: '/v1' });
 */
export async function registerAuthorizeRoute(app: FastifyInstance, deps: ApiDependencies): Promise<void> {
  await tenantScope(app, deps);
  if (deps.rateLimit) registerRateLimit(app, deps.rateLimit);
  app.get('/authorize', {
    config: { access: 'tenant-principal' },
    schema: {
      tags: ['gateway'], security: TENANT_SECURITY, operationId: 'authorizeGatewayRequest',
      summary: 'For API gateways: authenticate a forwarded request and answer its tenant in X-Tenant-* headers',
      description: 'nginx `auth_request`, Traefik forward-auth, Kong: 200 with X-Tenant-Id, X-Tenant-Slug, X-Tenant-Plan, X-Tenant-Principal and the RateLimit-* headers; 401 without a valid credential; 403 when the request names another tenant (X-Tenant-Id or X-Tenant-Slug) or the user is not a member; 429 over the tenant\'s rate limit.',
      response: { 200: Authorized },
    },
  }, async (request, reply) => {
    const tenant = resolvedTenantOf(request);
    // A client may say which tenant it means; it must be the credential's. (The gateway drops
    // these headers upstream and sets its own from this answer.)
    const namedId = header(request.headers['x-tenant-id']);
    const namedSlug = header(request.headers['x-tenant-slug']);
    if ((namedId !== undefined && namedId.toLowerCase() !== tenant.id) || (namedSlug !== undefined && namedSlug !== tenant.slug)) {
      throw resolveErrors.create('GATEWAY_TENANT_MISMATCH', { details: { named: (namedId ?? namedSlug ?? '').slice(0, 100) } });
    }
    const principal = principalName(tenantPrincipalOf(request));
    void reply.header('x-tenant-id', tenant.id).header('x-tenant-slug', tenant.slug).header('x-tenant-plan', tenant.plan).header('x-tenant-principal', principal)
      // An authorization answer is about this one request: never cached by the gateway or a proxy.
      .header('cache-control', 'no-store');
    return { tenantId: tenant.id, slug: tenant.slug, plan: tenant.plan, principal };
  });
}
