// Operator route for a tenant's quota overrides: replaces them all (a meter left out goes back to
// its plan's limit, null is unlimited), audited in the tenant's audit log as the operator.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from 'tenantry';
import { setQuotaOverrides } from 'tenantry/quota';
import type { QuotaApi } from '../http/api-dependencies.js';
import { operatorAuthorOf } from '../http/principal.js';
import { IdParams, OPERATOR_SECURITY, strictObject } from './schemas.js';

const Limits = Type.Record(Type.String(), Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]), {
  description: 'meter → hard limit (null: unlimited); meters left out follow the plan.',
  maxProperties: 64,
});
const Overrides = strictObject({ limits: Limits });

/**
 * @example registerQuotaOverrideRoutes(operatorScope, deps.quota, clock); // PUT /v1/tenants/:id/quota-overrides
 */
export function registerQuotaOverrideRoutes(app: FastifyInstance, { quotas, operator }: QuotaApi, clock: Clock): void {
  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof Overrides> }>('/tenants/:id/quota-overrides', {
    schema: { tags: ['plans'], security: OPERATOR_SECURITY, summary: 'Replace a tenant\'s quota overrides', operationId: 'setQuotaOverrides', params: IdParams, body: Overrides, response: { 200: Overrides } },
  }, async (request) => ({
    limits: await setQuotaOverrides(operator, quotas.catalog, request.params.id, request.body.limits, { ...operatorAuthorOf(request), clock }),
  }));
}
