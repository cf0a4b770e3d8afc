// Operator routes for tenants: onboarding (tenant + owner member in one call), cursor-paged and
// filtered listing, lookup, edits (name, plan, region) and the lifecycle actions suspend /
// restore / offboard / delete.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Tenant } from 'tenantry';
import { systemActor } from 'tenantry/control';
import { requireCatalogPlan } from 'tenantry/quota';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { planForNewTenant } from '../plans.js';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, emptyBodyAsObject, IdParams, OPERATOR_SECURITY, strictObject, UserId, Uuid } from './schemas.js';

const STATUSES = ['provisioning', 'active', 'suspended', 'offboarding', 'deleted'] as const;
const Label = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' });

export const TenantBody = strictObject({
  id: Uuid, slug: Type.String(), displayName: Type.String(), status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  tier: Type.String(), plan: Type.String(), region: Type.String(),
  createdAt: DateTime, updatedAt: DateTime, statusChangedAt: DateTime,
  statusReason: Type.Optional(Type.String({ description: 'Why an operator moved the tenant to its current status (suspend, offboard, delete), when they said.' })),
  version: Type.Integer(),
});
// Optional: a body-less POST (or DELETE) still works as before (emptyBodyAsObject).
const StatusChange = strictObject({
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Why: kept on the tenant as `statusReason` and in the audit event of the change.' })),
});
const CreateTenant = strictObject({
  slug: Type.String({ minLength: 1, maxLength: 63, description: 'A DNS label: a–z, 0–9 and "-", no "--", not reserved. Trimmed and lower-cased ("Acme" is stored as "acme").' }),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  plan: Type.Optional(Label),
  region: Type.Optional(Label),
  owner: strictObject({ userId: UserId }, { description: 'The application user who becomes the tenant\'s first owner.' }),
});
const TIERS = ['pooled', 'schema', 'database'] as const;
const ListQuery = strictObject({
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  plan: Type.Optional(Label),
  tier: Type.Optional(Type.Union(TIERS.map((t) => Type.Literal(t)))),
  region: Type.Optional(Label),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive part of the slug or display name.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The nextCursor of the previous page.' })),
});
const TenantPage = strictObject({ items: Type.Array(TenantBody), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page.' }) });
const UpdateTenant = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  plan: Type.Optional(Label),
  region: Type.Optional(Label),
}, { additionalProperties: false, minProperties: 1 });

const GetQuery = strictObject({
  deleted: Type.Optional(Type.Union([Type.Literal('exclude'), Type.Literal('include')], { description: '`include`: a deleted tenant\'s tombstone is found too (its audit log is kept). Default `exclude`: not found.' })),
});
const SlugParams = strictObject({ slug: Type.String({ minLength: 1, maxLength: 63 }) });
const tags = ['tenants'];

function reasonOf(body: Static<typeof StatusChange>): { reason?: string } {
  return body.reason === undefined ? {} : { reason: body.reason };
}
type ById = { Params: Static<typeof IdParams> };

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerTenantRoutes(operatorScope, deps);
 */
export function registerTenantRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { registry, db, control } = deps;
  app.post<{ Body: Static<typeof CreateTenant> }>('/tenants', {
    schema: { tags, summary: 'Onboard a tenant with its first owner', operationId: 'createTenant', security: OPERATOR_SECURITY, body: CreateTenant, response: { 201: TenantBody } },
  }, async (request, reply) => {
    const { owner, ...fields } = request.body;
    // A plan the catalog lacks would leave the tenant unable to use any quota (or add its owner).
    const input = deps.quota ? { ...fields, plan: planForNewTenant(deps.quota.quotas.catalog, fields.plan) } : fields;
    const author = operatorAuthorOf(request);
    const tenant = await registry.create(input, author);
    // Not one transaction with the registry's insert (two pools): a failure here leaves an
    // active tenant without members, which an operator can see and fix; docs/api.md says so.
    await db.withTenant(tenant.id, (scope) => control.members.add(scope, { userId: owner.userId, role: 'owner' }, systemActor(author.actor)));
    return reply.code(201).send(tenant);
  });
  app.get<{ Querystring: Static<typeof ListQuery> }>('/tenants', {
    schema: { tags, summary: 'List tenants, oldest first, a page at a time', operationId: 'listTenants', security: OPERATOR_SECURITY, querystring: ListQuery, response: { 200: TenantPage } },
  }, async (request) => {
    const page = await registry.list(request.query);
    return { items: page.tenants, nextCursor: page.nextCursor ?? null };
  });
  app.get<ById & { Querystring: Static<typeof GetQuery> }>('/tenants/:id', {
    schema: { tags, summary: 'Get a tenant', operationId: 'getTenant', security: OPERATOR_SECURITY, params: IdParams, querystring: GetQuery, response: { 200: TenantBody } },
  }, async (request) => registry.get(request.params.id, { deleted: request.query.deleted ?? 'exclude' }));
  // Static segment: find-my-way matches it before `:id` (which would refuse a slug as no uuid).
  app.get<{ Params: Static<typeof SlugParams> }>('/tenants/by-slug/:slug', {
    schema: { tags, summary: 'Get a live tenant by its slug (the dashboard\'s tenant URLs name it so)', operationId: 'getTenantBySlug', security: OPERATOR_SECURITY, params: SlugParams, response: { 200: TenantBody } },
  }, async (request) => registry.getBySlug(request.params.slug));
  app.patch<ById & { Body: Static<typeof UpdateTenant> }>('/tenants/:id', {
    schema: { tags, summary: 'Change a tenant\'s display name, plan or region (audited; a plan change applies at once)', operationId: 'updateTenant', security: OPERATOR_SECURITY, params: IdParams, body: UpdateTenant, response: { 200: TenantBody } },
  }, async (request) => {
    const { plan } = request.body;
    if (plan !== undefined && deps.quota) requireCatalogPlan(deps.quota.quotas.catalog, plan);
    const tenant = await registry.update(request.params.id, request.body, { by: operatorAuthorOf(request) });
    // Flags default to the plan's features: every instance must drop what it cached for the old plan.
    if (plan !== undefined) await control.flags.invalidate(tenant.id);
    return tenant;
  });
  const actions = { suspend: 'Suspend an active tenant', restore: 'Restore a suspended tenant', offboard: 'Start offboarding a tenant' } as const;
  for (const [action, summary] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post<ById & { Body: Static<typeof StatusChange> }>(`/tenants/:id/${action}`, {
      schema: { tags, summary, operationId: `${action}Tenant`, security: OPERATOR_SECURITY, params: IdParams, body: StatusChange, response: { 200: TenantBody } },
      preValidation: emptyBodyAsObject,
    }, async (request): Promise<Tenant> => registry[action](request.params.id, operatorAuthorOf(request), reasonOf(request.body)));
  }
  app.delete<ById & { Body: Static<typeof StatusChange> }>('/tenants/:id', {
    schema: { tags, summary: 'Purge an offboarding tenant\'s data and mark it deleted', operationId: 'deleteTenant', security: OPERATOR_SECURITY, params: IdParams, body: StatusChange, response: { 200: TenantBody } },
    preValidation: emptyBodyAsObject,
  }, async (request) => (await registry.delete(request.params.id, operatorAuthorOf(request), reasonOf(request.body))).tenant);
}
