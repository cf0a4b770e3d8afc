// Operator routes for cross-tenant analytics: distribution, growth, active tenants, top tenants
// and usage by hour. Each read is recorded as an operator action (tenantry/health).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TenantAnalytics } from 'tenantry/health';
import { operatorAuthorOf } from '../http/principal.js';
import { OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Counts = Type.Record(Type.String(), Type.Integer());
const Distribution = strictObject({ byStatus: Counts, byPlan: Counts, byTier: Counts, byRegion: Counts });
const Days = (fallback: number) => Type.Integer({ minimum: 1, maximum: 366, default: fallback, description: 'Days back from now (UTC).' });
const GrowthQuery = strictObject({ days: Type.Optional(Days(90)) });
const Growth = strictObject({ points: Type.Array(strictObject({ day: Type.String({ format: 'date' }), created: Type.Integer(), churned: Type.Integer() })) });
const Active = strictObject({ d1: Type.Integer(), d7: Type.Integer(), d30: Type.Integer() });
const TopQuery = strictObject({
  by: Type.Union([Type.Literal('usage'), Type.Literal('errors')], { description: 'usage: requests; errors: share of 5xx answers.' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
  days: Type.Optional(Days(7)),
});
const Top = strictObject({ items: Type.Array(strictObject({ tenantId: Uuid, slug: Type.String(), value: Type.Number() })) });
const HourQuery = strictObject({ days: Type.Optional(Days(7)) });
const ByHour = strictObject({ points: Type.Array(strictObject({ hour: Type.Integer({ minimum: 0, maximum: 23 }), requests: Type.Number() })) });

const tags = ['analytics'];

/** The operator and request a read is recorded under. */

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerAnalyticsRoutes(operatorScope, deps.health.analytics);
 */
export function registerAnalyticsRoutes(app: FastifyInstance, analytics: TenantAnalytics): void {
  app.get('/analytics/distribution', {
    schema: { tags, summary: 'Tenants by status, and live tenants by plan, tier and region', operationId: 'analyticsDistribution', security: OPERATOR_SECURITY, response: { 200: Distribution } },
  }, async (request) => analytics.distribution(operatorAuthorOf(request)));
  app.get<{ Querystring: Static<typeof GrowthQuery> }>('/analytics/growth', {
    schema: { tags, summary: 'Tenants created and churned per UTC day', operationId: 'analyticsGrowth', security: OPERATOR_SECURITY, querystring: GrowthQuery, response: { 200: Growth } },
  }, async (request) => analytics.growth(request.query, operatorAuthorOf(request)));
  app.get('/analytics/active', {
    schema: { tags, summary: 'Tenants with requests in the last 1, 7 and 30 days', operationId: 'analyticsActive', security: OPERATOR_SECURITY, response: { 200: Active } },
  }, async (request) => analytics.active(operatorAuthorOf(request)));
  app.get<{ Querystring: Static<typeof TopQuery> }>('/analytics/top', {
    schema: { tags, summary: 'Live tenants with the most requests or the highest 5xx rate', operationId: 'analyticsTop', security: OPERATOR_SECURITY, querystring: TopQuery, response: { 200: Top } },
  }, async (request) => analytics.top(request.query, operatorAuthorOf(request)));
  app.get<{ Querystring: Static<typeof HourQuery> }>('/analytics/usage-by-hour', {
    schema: { tags, summary: 'Requests of all tenants per UTC hour of day', operationId: 'analyticsUsageByHour', security: OPERATOR_SECURITY, querystring: HourQuery, response: { 200: ByHour } },
  }, async (request) => analytics.usageByHour(request.query, operatorAuthorOf(request)));
}
