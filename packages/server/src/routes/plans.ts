// Operator route for the plan catalog: every plan with its limits, feature flags and prices.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { QuotaApi } from '../http/api-dependencies.js';
import { OPERATOR_SECURITY, strictObject } from './schemas.js';

const Count = Type.Union([Type.Null(), Type.Integer({ minimum: 0 })]);
const PlanBody = strictObject({
  name: Type.String(),
  limits: Type.Record(Type.String(), strictObject({ hard: Count, soft: Count })),
  features: Type.Record(Type.String(), Type.Boolean()),
  database: strictObject({
    statementTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    lockTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    idleInTransactionTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    weight: Type.Optional(Type.Integer({ minimum: 1, description: 'Share of the app pool while tenants compete for it (docs/noisy-neighbours.md).' })),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1 })),
  }, { description: "The plan's database limits; absent ones keep the app role's settings." }),
  price: strictObject({
    currency: Type.String(),
    baseMinor: Type.Integer({ description: 'Price per period (calendar month, UTC) in minor units.' }),
    meters: Type.Record(Type.String(), strictObject({ includedUnits: Type.Integer(), unitPriceMinor: Type.Integer(), perUnits: Type.Integer() })),
  }),
});
const Plans = strictObject({
  items: Type.Array(PlanBody),
  meters: Type.Record(Type.String(), strictObject({ kind: Type.Union([Type.Literal('period'), Type.Literal('level'), Type.Literal('rate')]), unit: Type.String() })),
});

/**
 * @example registerPlanRoutes(operatorScope, deps.quota); // GET /v1/plans
 */
export function registerPlanRoutes(app: FastifyInstance, { quotas }: QuotaApi): void {
  const { catalog } = quotas;
  app.get('/plans', {
    schema: { tags: ['plans'], security: OPERATOR_SECURITY, summary: 'The plan catalog: limits, features and prices per plan', operationId: 'listPlans', response: { 200: Plans } },
  }, async () => ({ items: catalog.list(), meters: catalog.meters }));
}
