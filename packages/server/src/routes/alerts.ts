// Operator routes for alert events: the list (open or resolved, most recently seen first), and
// triage — acknowledge, snooze for a number of minutes, resolve by hand — each recorded in
// operator_actions with the alert's tenant (docs/health-and-analytics.md).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Operators, TenantRegistry } from 'tenantry/control';
import { MAX_SNOOZE_MINUTES, type AlertEvents, type TriagedAlert } from 'tenantry/health';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Status = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);
const Actor = Type.Union([Type.String(), Type.Null()], { description: '`operator:<id>` (API) or `cli:<user>` (CLI); null when nobody did it.' });
const Alert = strictObject({
  id: Uuid, tenantId: Uuid, rule: Type.String(), metric: Type.String(), value: Type.Number(), threshold: Type.Number(),
  status: Status, firstSeenAt: DateTime, lastSeenAt: DateTime, resolvedAt: Type.Union([DateTime, Type.Null()]), count: Type.Integer(),
  acknowledgedAt: Type.Union([DateTime, Type.Null()]), acknowledgedBy: Actor,
  snoozedUntil: Type.Union([DateTime, Type.Null()], { description: 'End of the latest snooze (kept after it ends).' }), snoozedBy: Actor,
  snoozed: Type.Boolean({ description: 'Open and snoozed until after now (the server\'s clock).' }),
  resolvedBy: Type.Union([Type.String(), Type.Null()], { description: 'Who resolved it by hand; null when the evaluator saw it clear.' }),
  tenant: Type.Union([strictObject({ slug: Type.String(), displayName: Type.String(), status: Type.String() }), Type.Null()], {
    description: 'The tenant as it is now (a deleted one too), to name it by slug and name; null if its record is gone.',
  }),
});
const AlertList = strictObject({
  items: Type.Array(Alert),
  actors: Type.Record(Type.String(), Type.String(), { description: 'The display name of each `operator:<id>` named in the items, to show people by name.' }),
});
const ListQuery = strictObject({
  status: Type.Optional(Status),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  snoozed: Type.Optional(Type.Union([Type.Literal('include'), Type.Literal('exclude')], { description: '`exclude`: leave out open alerts whose snooze has not ended. Default `include`.' })),
});
const AlertParams = strictObject({ alertId: Uuid });
const Snooze = strictObject({ minutes: Type.Integer({ minimum: 1, maximum: MAX_SNOOZE_MINUTES, description: 'How long from now (at most 30 days).' }) });

type TenantName = { slug: string; displayName: string; status: string } | null;
type ByAlert = { Params: Static<typeof AlertParams> };

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerAlertRoutes(operatorScope, deps.health.alerts, deps.registry, deps.control.operators);
 */
export function registerAlertRoutes(app: FastifyInstance, alerts: AlertEvents, registry: TenantRegistry, operators: Operators): void {
  // One lookup per tenant, one after the other: never two operator connections at once.
  const withTenants = async (items: readonly TriagedAlert[]) => {
    const tenants = new Map<string, TenantName>();
    for (const id of new Set(items.map((a) => a.tenantId))) {
      const found = await registry.tryGet(id, { deleted: 'include' });
      tenants.set(id, found ? { slug: found.slug, displayName: found.displayName, status: found.status } : null);
    }
    return items.map((a) => ({ ...a, tenant: tenants.get(a.tenantId) ?? null }));
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>('/alerts', {
    schema: { tags: ['health'], summary: 'Alert events, most recently seen first', operationId: 'listAlerts', security: OPERATOR_SECURITY, querystring: ListQuery, response: { 200: AlertList } },
  }, async (request) => {
    const { items } = await alerts.list(request.query, operatorAuthorOf(request));
    const named = new Set(items.flatMap((a) => [a.acknowledgedBy, a.snoozedBy, a.resolvedBy]).filter((actor): actor is string => actor?.startsWith('operator:') === true));
    const actors: Record<string, string> = {};
    if (named.size > 0) for (const op of await operators.list()) if (named.has(`operator:${op.id}`)) actors[`operator:${op.id}`] = op.displayName;
    return { items: await withTenants(items), actors };
  });

  const one = async (alert: TriagedAlert) => (await withTenants([alert]))[0];
  const common = { tags: ['health'], security: OPERATOR_SECURITY, params: AlertParams, response: { 200: Alert } };
  app.post<ByAlert>('/alerts/:alertId/acknowledge', {
    schema: { ...common, summary: 'Acknowledge an open alert (the first acknowledgement is kept; recorded)', operationId: 'acknowledgeAlert' },
  }, async (request) => one(await alerts.acknowledge(request.params.alertId, operatorAuthorOf(request))));
  app.post<ByAlert & { Body: Static<typeof Snooze> }>('/alerts/:alertId/snooze', {
    schema: { ...common, summary: 'Snooze an open alert for some minutes (recorded)', operationId: 'snoozeAlert', body: Snooze },
  }, async (request) => one(await alerts.snooze(request.params.alertId, request.body.minutes, operatorAuthorOf(request))));
  app.post<ByAlert>('/alerts/:alertId/resolve', {
    schema: { ...common, summary: 'Resolve an open alert by hand (a rule still firing opens a new one; recorded)', operationId: 'resolveAlert' },
  }, async (request) => one(await alerts.resolve(request.params.alertId, operatorAuthorOf(request))));
}
