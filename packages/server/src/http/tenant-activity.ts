// Feeds the activity rollups: every answered request of a tenant scope counts for the tenant in
// context, with its status and duration (refusals before resolution have no tenant and do not).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentTenant, type TenantId } from 'tenantry';
import type { ActivityRecorder } from 'tenantry/health';

/**
 * Registers, inside a tenant scope after the tenant plugin: an onRequest hook that notes the
 * tenant of the context (set by then), and an onResponse hook that records the request. The
 * tenant is noted rather than read in onResponse, which Fastify runs from the response's
 * `finish` event, where the request's async context is not guaranteed.
 *
 * @example await tenantScope(scope, deps); recordTenantActivity(scope, deps.health.activity);
 */
export function recordTenantActivity(scope: FastifyInstance, activity: ActivityRecorder): void {
  const tenants = new WeakMap<FastifyRequest, TenantId>();
  // Callback hooks, not async ones: no promise per request on the hot path.
  scope.addHook('onRequest', (request, _reply, done) => {
    const tenant = currentTenant();
    if (tenant) tenants.set(request, tenant.tenantId);
    done();
  });
  scope.addHook('onResponse', (request, reply, done) => {
    const tenantId = tenants.get(request);
    if (tenantId !== undefined) {
      try {
        activity.record(tenantId, { statusCode: reply.statusCode, durationMs: reply.elapsedTime });
      } catch (err) {
        // Only after the recorder closed (a request finishing during shutdown): never fail a request for it.
        request.log.debug({ err }, 'activity not recorded');
      }
    }
    done();
  });
}
