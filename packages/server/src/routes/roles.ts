// Tenant routes for custom roles: named sets of permissions, beside the built-in owner / admin /
// member / viewer. A caller can only create or widen a role up to what it holds itself.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, Permission, strictObject, TENANT_SECURITY } from './schemas.js';

const RoleBody = strictObject({
  id: Type.String(), name: Type.String(), description: Type.String(), permissions: Type.Array(Permission), createdAt: DateTime, updatedAt: DateTime,
});
const Permissions = Type.Array(Permission, { minItems: 1, maxItems: 64, uniqueItems: true });
const CreateRole = strictObject({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  permissions: Permissions,
});
const UpdateRole = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  permissions: Type.Optional(Permissions),
}, { additionalProperties: false, minProperties: 1 });
const RoleParams = strictObject({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const tags = ['roles'];
const security = TENANT_SECURITY;
type ById = { Params: Static<typeof RoleParams> };

/**
 * @example registerRoleRoutes(tenantScope, deps); // GET /v1/tenant/roles …
 */
export function registerRoleRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);
  app.get('/roles', {
    config: { access: 'roles:read' },
    schema: { tags, security, summary: 'List the tenant\'s custom roles', operationId: 'listRoles', response: { 200: strictObject({ items: Type.Array(RoleBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.roles.list(scope)) }));
  app.get<ById>('/roles/:id', {
    config: { access: 'roles:read' },
    schema: { tags, security, summary: 'Get a custom role', operationId: 'getRole', params: RoleParams, response: { 200: RoleBody } },
  }, async (request) => inTenant((scope) => control.roles.get(scope, request.params.id)));
  app.post<{ Body: Static<typeof CreateRole> }>('/roles', {
    config: { access: 'roles:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Create a custom role of permissions the caller holds', operationId: 'createRole', body: CreateRole, response: { 201: RoleBody } },
  }, async (request, reply) => reply.code(201).send(await inTenant((scope) => control.roles.create(scope, request.body, actorOf(request)))));
  app.patch<ById & { Body: Static<typeof UpdateRole> }>('/roles/:id', {
    config: { access: 'roles:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Rename a custom role or change its permissions (its members get them at once)', operationId: 'updateRole', params: RoleParams, body: UpdateRole, response: { 200: RoleBody } },
  }, async (request) => inTenant((scope) => control.roles.update(scope, request.params.id, request.body, actorOf(request))));
  app.delete<ById>('/roles/:id', {
    config: { access: 'roles:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Delete a custom role no member or invitation uses', operationId: 'deleteRole', params: RoleParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => control.roles.delete(scope, request.params.id, actorOf(request)));
    return reply.code(204).send();
  });
}
