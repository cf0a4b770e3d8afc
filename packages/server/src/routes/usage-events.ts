// Tenant route for reporting usage events (typically the application's backend with an API key
// scoped usage:write). Idempotent per event id; the alerts the events raise are stored, and sent
// from the job queue (the operator's webhook and the tenant's endpoints), never delaying the response.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { MAX_USAGE_EVENTS } from 'tenantry/quota';
import { USAGE_ALERTS_JOB } from '../database/server-jobs.js';
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
export function registerUsageEventRoutes(app: FastifyInstance, deps: ApiDependencies, { quotas }: QuotaApi): void {
  const { db } = deps;
  app.post<{ Body: Static<typeof RecordUsage> }>('/usage-events', {
    config: { access: 'usage:write' },
    schema: { tags: ['usage'], security: TENANT_SECURITY, summary: 'Record usage events, each id counted once', operationId: 'recordUsageEvents', body: RecordUsage, response: { 200: Recorded } },
  }, async (request) => {
    const { tenantId } = requireTenant();
    const events = request.body.events.map((e) => ({ id: e.id, meter: e.meter, quantity: e.quantity, ...(e.occurredAt === undefined ? {} : { occurredAt: new Date(e.occurredAt) }) }));
    const { accepted, duplicates, alerts } = await db.withTenant(tenantId, (scope) => quotas.recordUsage(scope, events));
    if (deps.jobs && alerts.length > 0) {
      // After the commit, as a job of this tenant: retried with backoff, and run again after a
      // crash. The alerts stay in the outbox until a delivery marks them sent.
      // A queue that cannot take the job must not fail usage that was recorded: logged instead.
      await deps.jobs.queue.enqueue(USAGE_ALERTS_JOB, {}).catch((err: unknown) => request.log.warn({ err }, 'enqueueing the usage alert delivery failed'));
    }
    return { accepted, duplicates };
  });
}
