// Tenant routes for usage: the current period's usage per meter against the plan's limits, and
// the daily history. Seats are counted from the members table, so they are never stale.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { countMembers } from 'tenantry/control';
import { MAX_HISTORY_DAYS } from 'tenantry/quota';
import type { ApiDependencies, QuotaApi } from '../http/api-dependencies.js';
import { DateTime, strictObject, TENANT_SECURITY } from './schemas.js';

// Null first: the serializer tries the members of a union in order.
const Nullable = (schema: ReturnType<typeof Type.Integer>) => Type.Union([Type.Null(), schema]);
export const UsageBody = strictObject({
  plan: Type.String(),
  period: strictObject({ start: DateTime, end: DateTime }),
  meters: Type.Array(strictObject({
    meter: Type.String(), used: Type.Integer(), limit: Nullable(Type.Integer()), softLimit: Nullable(Type.Integer()), unit: Type.String(),
  })),
});
const HistoryQuery = strictObject({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HISTORY_DAYS, default: 30 })) });
const HistoryBody = strictObject({
  points: Type.Array(strictObject({ day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), meter: Type.String(), quantity: Type.Integer() })),
});

const tags = ['usage'];
const security = TENANT_SECURITY;

/**
 * @example registerUsageRoutes(tenantScope, deps, deps.quota); // GET /v1/tenant/usage …
 */
export function registerUsageRoutes(app: FastifyInstance, deps: ApiDependencies, { quotas }: QuotaApi): void {
  const { db } = deps;
  app.get('/usage', {
    config: { access: 'usage:read' },
    schema: { tags, security, summary: 'The current period\'s usage per meter, with the plan\'s limits', operationId: 'getUsage', response: { 200: UsageBody } },
  }, async () => db.transaction(requireTenant().tenantId, (tx) => quotas.usage(tx, { members: () => countMembers(tx) })));
  app.get<{ Querystring: Static<typeof HistoryQuery> }>('/usage/history', {
    config: { access: 'usage:read' },
    schema: { tags, security, summary: 'Usage per UTC day and meter (sum of the day, or the day\'s peak for levels)', operationId: 'getUsageHistory', querystring: HistoryQuery, response: { 200: HistoryBody } },
  }, async (request) => db.withTenant(requireTenant().tenantId, (scope) => quotas.history(scope, request.query.days ?? 30)));
}
