// Tenant routes for invitations: create (token shown once), list, get, revoke, resend, and
// accept by the signed-in user the token was meant for.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf, tenantPrincipalOf } from '../http/principal.js';
import { MemberBody } from './members.js';
import { DateTime, IdParams, Permission, RoleRef, strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const STATUSES = ['pending', 'expired', 'accepted', 'revoked'] as const;
export const InvitationBody = strictObject({
  id: Uuid, email: Type.String(), role: Type.String(), roleName: Type.String(), permissions: Type.Array(Permission),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))), invitedBy: Type.String(),
  createdAt: DateTime, sentAt: DateTime, sendCount: Type.Integer(), expiresAt: DateTime,
  acceptedAt: Type.Optional(DateTime), acceptedBy: Type.Optional(Type.String()), revokedAt: Type.Optional(DateTime),
});
const Issued = strictObject({ invitation: InvitationBody, token: Type.String({ description: 'Shown this once: put it in the invitation link.' }) });
const CreateInvitation = strictObject({ email: Type.String({ format: 'email', maxLength: 320 }), role: RoleRef });
const AcceptInvitation = strictObject({ token: Type.String({ minLength: 1, maxLength: 512 }) });

const tags = ['invitations'];
const security = TENANT_SECURITY;
type ById = { Params: Static<typeof IdParams> };

/**
 * @example registerInvitationRoutes(tenantScope, deps); // POST /v1/tenant/invitations …
 */
export function registerInvitationRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);

  app.post<{ Body: Static<typeof CreateInvitation> }>('/invitations', {
    config: { access: 'invitations:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Invite an email address with a role the caller may grant', operationId: 'createInvitation', body: CreateInvitation, response: { 201: Issued } },
  }, async (request, reply) => reply.code(201).send(await inTenant((scope) => control.invitations.create(scope, request.body, actorOf(request)))));
  app.get('/invitations', {
    config: { access: 'invitations:read' },
    schema: { tags, security, summary: 'List invitations, newest first', operationId: 'listInvitations', response: { 200: strictObject({ items: Type.Array(InvitationBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.invitations.list(scope)) }));
  app.get<ById>('/invitations/:id', {
    config: { access: 'invitations:read' },
    schema: { tags, security, summary: 'Get an invitation', operationId: 'getInvitation', params: IdParams, response: { 200: InvitationBody } },
  }, async (request) => inTenant((scope) => control.invitations.get(scope, request.params.id)));
  app.post<ById>('/invitations/:id/revoke', {
    config: { access: 'invitations:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Revoke an open invitation', operationId: 'revokeInvitation', params: IdParams, response: { 200: InvitationBody } },
  }, async (request) => inTenant((scope) => control.invitations.revoke(scope, request.params.id, actorOf(request))));
  app.post<ById>('/invitations/:id/resend', {
    config: { access: 'invitations:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Issue a new token and expiry (the old token stops working)', operationId: 'resendInvitation', params: IdParams, response: { 200: Issued } },
  }, async (request) => inTenant((scope) => control.invitations.resend(scope, request.params.id, actorOf(request))));
  app.post<{ Body: Static<typeof AcceptInvitation> }>('/invitations/accept', {
    // Any signed-in user of this tenant's identity provider: they are not a member yet.
    config: { access: 'signed-in-user', rateClass: 'sensitive' },
    schema: { tags, security: [{ bearerJwt: [] }], summary: 'Accept an invitation as the signed-in user', operationId: 'acceptInvitation', body: AcceptInvitation, response: { 200: strictObject({ invitation: InvitationBody, member: MemberBody }) } },
  }, async (request) => {
    const principal = tenantPrincipalOf(request);
    if (principal.kind !== 'user') throw new Error('unreachable: access is signed-in-user');
    const user = { userId: principal.userId, ...(principal.email === undefined ? {} : { email: principal.email }) };
    return inTenant((scope) => control.invitations.accept(scope, request.body.token, user));
  });
}
