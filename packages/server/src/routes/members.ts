// Tenant routes for members: list, get, add, change role, remove. The tenant comes from the
// caller's credentials; another tenant's user id is simply not found.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, Permission, RoleRef, strictObject, TENANT_SECURITY, UserId } from './schemas.js';

export const MemberBody = strictObject({
  userId: Type.String(), role: Type.String(), roleName: Type.String(), permissions: Type.Array(Permission),
  createdAt: DateTime, updatedAt: DateTime,
});
const UserParams = strictObject({ userId: UserId });
const AddMember = strictObject({ userId: UserId, role: RoleRef });
const ChangeRole = strictObject({ role: RoleRef });

const tags = ['members'];
const security = TENANT_SECURITY;
type ByUser = { Params: Static<typeof UserParams> };

/**
 * @example registerMemberRoutes(tenantScope, deps); // GET /v1/tenant/members …
 */
export function registerMemberRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);
  // The tenant's webhooks hear about it after the change committed; a failure to enqueue is
  // logged, never turned into a failed request for a change that was made.
  const emit = async (request: FastifyRequest, type: 'member.added' | 'member.updated' | 'member.removed', data: Record<string, unknown>) => {
    const webhooks = deps.jobs?.webhooks;
    if (webhooks === undefined) return;
    await inTenant((scope) => webhooks.emit(scope, type, data)).catch((err: unknown) => request.log.warn({ err, type }, 'emitting a webhook event failed'));
  };

  app.get('/members', {
    config: { access: 'members:read' },
    schema: { tags, security, summary: 'List the tenant\'s members', operationId: 'listMembers', response: { 200: strictObject({ items: Type.Array(MemberBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.members.list(scope)) }));
  app.get<ByUser>('/members/:userId', {
    config: { access: 'members:read' },
    schema: { tags, security, summary: 'Get a member', operationId: 'getMember', params: UserParams, response: { 200: MemberBody } },
  }, async (request) => inTenant((scope) => control.members.get(scope, request.params.userId)));
  app.post<{ Body: Static<typeof AddMember> }>('/members', {
    config: { access: 'members:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Add a member with a role the caller may grant', operationId: 'addMember', body: AddMember, response: { 201: MemberBody } },
  }, async (request, reply) => {
    const member = await inTenant((scope) => control.members.add(scope, request.body, actorOf(request)));
    await emit(request, 'member.added', { userId: member.userId, role: member.roleName });
    return reply.code(201).send(member);
  });
  app.patch<ByUser & { Body: Static<typeof ChangeRole> }>('/members/:userId', {
    config: { access: 'members:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Change a member\'s role (never the last owner\'s)', operationId: 'changeMemberRole', params: UserParams, body: ChangeRole, response: { 200: MemberBody } },
  }, async (request) => {
    const member = await inTenant((scope) => control.members.changeRole(scope, request.params.userId, request.body.role, actorOf(request)));
    await emit(request, 'member.updated', { userId: member.userId, role: member.roleName });
    return member;
  });
  app.delete<ByUser>('/members/:userId', {
    config: { access: 'members:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Remove a member (never the last owner)', operationId: 'removeMember', params: UserParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => control.members.remove(scope, request.params.userId, actorOf(request)));
    await emit(request, 'member.removed', { userId: request.params.userId });
    return reply.code(204).send();
  });
}
