// Operator route for alert events: open or resolved, most recently seen first.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AlertEvents } from 'tenantry/health';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Status = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);
const Alert = strictObject({
  id: Uuid, tenantId: Uuid, rule: Type.String(), metric: Type.String(), value: Type.Number(), threshold: Type.Number(),
  status: Status, firstSeenAt: DateTime, lastSeenAt: DateTime, resolvedAt: Type.Union([DateTime, Type.Null()]), count: Type.Integer(),
});
const AlertList = strictObject({ items: Type.Array(Alert) });
const ListQuery = strictObject({ status: Type.Optional(Status), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerAlertRoutes(operatorScope, deps.health.alerts);
 */
export function registerAlertRoutes(app: FastifyInstance, alerts: AlertEvents): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/alerts', {
    schema: { tags: ['health'], summary: 'Alert events, most recently seen first', operationId: 'listAlerts', security: OPERATOR_SECURITY, querystring: ListQuery, response: { 200: AlertList } },
  }, async (request) => alerts.list(request.query, operatorAuthorOf(request)));
}
