// Operator route for alert events: open or resolved, most recently seen first.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TenantRegistry } from 'tenantry/control';
import type { AlertEvents } from 'tenantry/health';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Status = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);
const Alert = strictObject({
  id: Uuid, tenantId: Uuid, rule: Type.String(), metric: Type.String(), value: Type.Number(), threshold: Type.Number(),
  status: Status, firstSeenAt: DateTime, lastSeenAt: DateTime, resolvedAt: Type.Union([DateTime, Type.Null()]), count: Type.Integer(),
  tenant: Type.Union([strictObject({ slug: Type.String(), displayName: Type.String(), status: Type.String() }), Type.Null()], {
    description: 'The tenant as it is now (a deleted one too), to name it by slug and name; null if its record is gone.',
  }),
});
const AlertList = strictObject({ items: Type.Array(Alert) });
const ListQuery = strictObject({ status: Type.Optional(Status), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerAlertRoutes(operatorScope, deps.health.alerts);
 */
export function registerAlertRoutes(app: FastifyInstance, alerts: AlertEvents, registry: TenantRegistry): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/alerts', {
    schema: { tags: ['health'], summary: 'Alert events, most recently seen first', operationId: 'listAlerts', security: OPERATOR_SECURITY, querystring: ListQuery, response: { 200: AlertList } },
  }, async (request) => {
    const { items } = await alerts.list(request.query, operatorAuthorOf(request));
    // One lookup per tenant, one after the other: never two operator connections at once.
    const tenants = new Map<string, { slug: string; displayName: string; status: string } | null>();
    for (const id of new Set(items.map((a) => a.tenantId))) {
      const found = await registry.tryGet(id, { deleted: 'include' });
      tenants.set(id, found ? { slug: found.slug, displayName: found.displayName, status: found.status } : null);
    }
    return { items: items.map((a) => ({ ...a, tenant: tenants.get(a.tenantId) ?? null })) };
  });
}
