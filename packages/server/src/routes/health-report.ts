// Operator routes for per-tenant health: every active tenant, or one tenant with its window.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TenantHealthReports } from 'tenantry/health';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, IdParams, OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);
const healthFields = {
  tenantId: Uuid,
  slug: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('failing')]),
  errorRate: Type.Number({ description: '5xx answers / requests in the window; 0 without requests.' }),
  p95Ms: Nullable(Type.Number({ description: 'From a latency histogram: exact to within its bucket. Null without requests.' })),
  quotaPressure: Nullable(Type.Number({ description: 'Highest used/limit over the tenant\'s meters; null without limits or quota data.' })),
  dbLoad: Type.Number({ description: 'Database time in the window ÷ its length: the connections the tenant kept busy on average (docs/noisy-neighbours.md).' }),
  requests: Type.Integer(),
  failedJobs: Type.Union([Type.Integer(), Type.Null()], { description: 'The tenant\'s failed background jobs still on record (retryable); null when the job queue did not answer.' }),
};
const HealthItem = strictObject(healthFields);
const Window = strictObject({ start: DateTime, end: DateTime, minutes: Type.Integer() });
const HealthList = strictObject({ items: Type.Array(HealthItem), window: Window });
const OneHealth = strictObject({ ...healthFields, window: Window });
const ListQuery = strictObject({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });

const tags = ['health'];

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerHealthReportRoutes(operatorScope, deps.health.reports);
 */
export function registerHealthReportRoutes(app: FastifyInstance, reports: TenantHealthReports): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/health/tenants', {
    schema: { tags, summary: 'Health of active tenants, failing first', operationId: 'listTenantHealth', security: OPERATOR_SECURITY, querystring: ListQuery, response: { 200: HealthList } },
  }, async (request) => reports.list(request.query, operatorAuthorOf(request)));
  app.get<{ Params: Static<typeof IdParams> }>('/tenants/:id/health', {
    schema: { tags, summary: 'Health of one tenant over the window', operationId: 'getTenantHealth', security: OPERATOR_SECURITY, params: IdParams, response: { 200: OneHealth } },
  }, async (request) => reports.get(request.params.id, operatorAuthorOf(request)));
}
