// Operator routes for acting inside a tenant: an impersonation session needs a stated reason,
// is time-boxed, and its start and end are written to the tenant's audit log. Its token is then
// accepted on the /v1/tenant routes (http/tenant-auth.ts), with the built-in admin role's
// permissions, recorded as the operator.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseTenantId } from 'tenantry';
import { controlErrors, type ImpersonationSession } from 'tenantry/control';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { operatorOf } from '../http/principal.js';
import { DateTime, IdParams, OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

// The control plane's default cap on a session (maxImpersonationMs, one hour): a longer ask is
// refused by the schema, before any work.
const MAX_MINUTES = 60;
const SessionBody = strictObject({
  id: Type.String(), tenantId: Uuid, operatorId: Type.String(), reason: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('ended'), Type.Literal('expired')]),
  startedAt: DateTime, expiresAt: DateTime, endedAt: Type.Optional(DateTime), endedBy: Type.Optional(Type.String()),
});
const StartBody = strictObject({
  reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why: a ticket or incident reference; recorded in the tenant\'s audit log.' }),
  durationMinutes: Type.Integer({ minimum: 1, maximum: MAX_MINUTES }),
});
const Started = strictObject({
  id: Type.String(), tenantId: Uuid, expiresAt: DateTime,
  token: Type.String({ description: 'Shown once. Send it as `Authorization: Bearer <token>` to /v1/tenant routes.' }),
});
const SessionParams = strictObject({ id: Uuid, sessionId: Type.String({ minLength: 1, maxLength: 64 }) });

const tags = ['impersonation'];
const security = OPERATOR_SECURITY;

/**
 * @example registerImpersonationRoutes(operatorScope, deps); // POST /v1/tenants/:id/impersonations …
 */
export function registerImpersonationRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { registry, control } = deps;
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof StartBody> }>('/tenants/:id/impersonations', {
    schema: { tags, security, summary: 'Start acting inside a tenant, for a stated reason and a bounded time', operationId: 'startImpersonation', params: IdParams, body: StartBody, response: { 201: Started } },
  }, async (request, reply) => {
    // The registry answers TENANT_NOT_FOUND for unknown and deleted tenants alike.
    const tenant = await registry.get(request.params.id);
    const { session, token } = await control.impersonation.startImpersonation({
      operatorId: operatorOf(request).operatorId,
      tenantId: tenant.id,
      reason: request.body.reason,
      durationMs: request.body.durationMinutes * 60_000,
    });
    return reply.code(201).send({ id: session.id, tenantId: session.tenantId, expiresAt: session.expiresAt, token });
  });
  app.get<{ Params: Static<typeof IdParams> }>('/tenants/:id/impersonations', {
    schema: { tags, security, summary: 'Impersonation sessions of a tenant, newest first', operationId: 'listImpersonations', params: IdParams, response: { 200: strictObject({ items: Type.Array(SessionBody) }) } },
  }, async (request) => ({ items: await control.impersonation.listImpersonations({ tenantId: (await registry.get(request.params.id)).id }) }));
  app.post<{ Params: Static<typeof SessionParams> }>('/tenants/:id/impersonations/:sessionId/end', {
    schema: { tags, security, summary: 'End an impersonation session now', operationId: 'endImpersonation', params: SessionParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const tenantId = parseTenantId(request.params.id);
    const sessions = await control.impersonation.listImpersonations({ tenantId });
    // A session of another tenant is not found under this one (no existence leak across tenants).
    const session: ImpersonationSession | undefined = sessions.find((s) => s.id === request.params.sessionId);
    if (!session) throw controlErrors.create('IMPERSONATION_NOT_FOUND');
    await control.impersonation.endImpersonation(session.id, { endedBy: `operator:${operatorOf(request).operatorId}` });
    return reply.code(204).send();
  });
}
