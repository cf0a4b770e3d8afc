// The operator's read-only summary of one tenant, for every status and without impersonation:
// its owners, seats used against the seat limit, and this month's usage against its limits.
// Recorded in operator_actions (`tenant.summary`) before anything of the tenant is read.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from 'tenantry';
import { readMembershipAsOperator, type TenantRegistry } from 'tenantry/control';
import { recordOperatorAction } from 'tenantry/health';
import { readUsageAsOperator } from 'tenantry/quota';
import type { QuotaApi } from '../http/api-dependencies.js';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, IdParams, OPERATOR_SECURITY, strictObject } from './schemas.js';

const Limit = Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited.' });
const Summary = strictObject({
  owners: Type.Array(Type.String(), { description: 'User ids with the owner role, sorted.' }),
  seats: strictObject({ used: Type.Integer(), limit: Limit }),
  usage: strictObject({
    plan: Type.String(),
    period: strictObject({ start: DateTime, end: DateTime }),
    meters: Type.Array(strictObject({ meter: Type.String(), used: Type.Number(), limit: Limit, softLimit: Limit, unit: Type.String() })),
  }),
});

/** @example registerTenantSummaryRoutes(operatorScope, { registry, quota, clock }); // GET /v1/tenants/:id/summary */
export function registerTenantSummaryRoutes(app: FastifyInstance, deps: { readonly registry: TenantRegistry; readonly quota: QuotaApi; readonly clock: Clock }): void {
  const { registry, quota, clock } = deps;
  app.get<{ Params: Static<typeof IdParams> }>('/tenants/:id/summary', {
    schema: { tags: ['tenants'], summary: 'A tenant\'s owners, seats and usage against its limits, whatever its status (recorded)', operationId: 'getTenantSummary', security: OPERATOR_SECURITY, params: IdParams, response: { 200: Summary } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id, { deleted: 'include' });
    await recordOperatorAction(quota.operator, clock, operatorAuthorOf(request), { action: 'tenant.summary', subjectTenant: tenant.id });
    const people = await readMembershipAsOperator(quota.operator, tenant.id);
    const usage = await readUsageAsOperator(quota.operator, quota.quotas.catalog, tenant.id, clock.now());
    const seatLimit = usage.meters.find((m) => m.meter === 'members')?.limit ?? null;
    return { owners: [...people.owners], seats: { used: people.seats, limit: seatLimit }, usage };
  });
}
