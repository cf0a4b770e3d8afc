// Tenant route for reporting usage events (typically the application's backend with an API key
// scoped usage:write). Idempotent per event id; the alerts the events raise are stored, and sent
// by the configured webhook after the response, never delaying it.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { MAX_USAGE_EVENTS } from 'tenantry/quota';
import type { ApiDependencies, QuotaApi } from '../http/api-dependencies.js';
import { DateTime, strictObject, TENANT_SECURITY } from './schemas.js';

const UsageEvent = strictObject({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'Your idempotency key: a retried event is counted once.' }),
  meter: Type.String({ minLength: 1, maxLength: 64 }),
  quantity: Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  occurredAt: Type.Optional(DateTime),
});
const RecordUsage = strictObject({ events: Type.Array(UsageEvent, { minItems: 1, maxItems: MAX_USAGE_EVENTS }) });
const Recorded = strictObject({ accepted: Type.Integer(), duplicates: Type.Integer() });

/**
 * @example registerUsageEventRoutes(tenantScope, deps, deps.quota); // POST /v1/tenant/usage-events
 */
export function registerUsageEventRoutes(app: FastifyInstance, deps: ApiDependencies, { quotas, alertSender }: QuotaApi): void {
  const { db } = deps;
  app.post<{ Body: Static<typeof RecordUsage> }>('/usage-events', {
    config: { access: 'usage:write' },
    schema: { tags: ['usage'], security: TENANT_SECURITY, summary: 'Record usage events, each id counted once', operationId: 'recordUsageEvents', body: RecordUsage, response: { 200: Recorded } },
  }, async (request) => {
    const { tenantId } = requireTenant();
    const events = request.body.events.map((e) => ({ id: e.id, meter: e.meter, quantity: e.quantity, ...(e.occurredAt === undefined ? {} : { occurredAt: new Date(e.occurredAt) }) }));
    const { accepted, duplicates, alerts } = await db.withTenant(tenantId, (scope) => quotas.recordUsage(scope, events));
    if (alertSender && alerts.length > 0) {
      // After the commit, outside the request's time: a failed send stays in the outbox and is
      // retried by the next delivery for this tenant.
      void db.withTenant(tenantId, (scope) => quotas.deliverAlerts(scope, alertSender))
        .catch((err: unknown) => request.log.warn({ err }, 'delivering usage alerts failed'));
    }
    return { accepted, duplicates };
  });
}
