// Operator routes over one tenant's tamper-evident audit log: a page of its events (newest
// first by default, keyset cursor) and the verification of its hash chain. Both read through an
// operator-role transaction, so a suspended, offboarding or deleted tenant's log stays readable.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from 'tenantry';
import { queryAuditEvents, verifyAuditChain, withAuditOperator, type AuditEvent, type AuditVerification, type AuditVerificationKey } from 'tenantry/audit';
import type { TenantRegistry } from 'tenantry/control';
import { recordOperatorAction } from 'tenantry/health';
import type { SqlPool } from 'tenantry/postgres';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, IdParams, OPERATOR_SECURITY, strictObject } from './schemas.js';

const AuditEventBody = strictObject({
  seq: Type.Integer({ minimum: 1 }),
  id: Type.String({ description: 'The event\'s chain hash: unique and stable.' }),
  type: Type.String({ description: 'What happened, e.g. tenant.suspend or member.invite.' }),
  actor: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  occurredAt: DateTime,
  data: Type.Record(Type.String(), Type.Unknown()),
});
const EventsQuery = strictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The nextCursor of the previous page (same type and order).' })),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only events of this type.' })),
  order: Type.Optional(Type.Union([Type.Literal('newest-first'), Type.Literal('oldest-first')], { default: 'newest-first' })),
});
const EventsPage = strictObject({ items: Type.Array(AuditEventBody), nextCursor: Type.Union([Type.String(), Type.Null()]) });
const Verification = strictObject({
  valid: Type.Boolean(),
  eventsChecked: Type.Integer({ description: 'Events that verified (before the first broken link, if any).' }),
  firstBrokenSeq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'How the chain is broken (edited, deleted, reordered, inserted, truncated, rewritten, checkpoint-invalid) and where.' }),
});

export interface AuditRouteDependencies {
  readonly registry: TenantRegistry;
  /** The operator-role pool: the audit log is read in an operator transaction for one tenant. */
  readonly operator: SqlPool;
  /** Keys of the signed checkpoints (retired ones too); without them a signed chain cannot be checked. */
  readonly auditVerificationKeys?: readonly AuditVerificationKey[];
  /** When operator reads are recorded. Default: the system clock. */
  readonly clock?: Clock;
}

function toBody(event: AuditEvent): Static<typeof AuditEventBody> {
  return { seq: event.seq, id: event.hash, type: event.action, actor: event.actor, target: event.target, requestId: event.requestId, occurredAt: event.time, data: event.details };
}

function toVerification(result: AuditVerification): Static<typeof Verification> {
  if (result.ok) return { valid: true, eventsChecked: result.events, firstBrokenSeq: null, reason: null };
  return { valid: false, eventsChecked: result.events, firstBrokenSeq: result.break.seq, reason: `${result.break.kind}: ${result.break.description}` };
}

const tags = ['audit'];
type ById = { Params: Static<typeof IdParams> };

/**
 * Routes under the operator scope (the caller registers `requireOperator` first). The tenant is
 * looked up first so an unknown id is a 404 TENANT_NOT_FOUND, not an empty log.
 *
 * @example registerAuditRoutes(operatorScope, { registry, operator: operatorPool }); // GET /v1/tenants/:id/audit-events
 */
export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDependencies): void {
  const { registry, operator } = deps;
  const keys = deps.auditVerificationKeys ?? [];
  const clock = deps.clock ?? systemClock;

  app.get<ById & { Querystring: Static<typeof EventsQuery> }>('/tenants/:id/audit-events', {
    schema: { tags, summary: 'A page of a tenant\'s audit events', operationId: 'listAuditEvents', security: OPERATOR_SECURITY, params: IdParams, querystring: EventsQuery, response: { 200: EventsPage } },
  }, async (request) => {
    // Whatever its status, deleted included: its log is kept until retention removes it.
    const tenant = await registry.get(request.params.id, { deleted: 'include' });
    const { limit, cursor, type, order } = request.query;
    await recordOperatorAction(operator, clock, operatorAuthorOf(request), { action: 'audit.read', subjectTenant: tenant.id });
    const page = await withAuditOperator(operator, tenant.id, (tx) => queryAuditEvents(tx, {
      order: order ?? 'newest-first',
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
      ...(type === undefined ? {} : { action: type }),
    }));
    return { items: page.events.map(toBody), nextCursor: page.nextCursor ?? null };
  });

  app.get<ById>('/tenants/:id/audit-events/verification', {
    schema: { tags, summary: 'Verify a tenant\'s audit chain (hashes, links, stored head, signed checkpoints)', operationId: 'verifyAuditEvents', security: OPERATOR_SECURITY, params: IdParams, response: { 200: Verification } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id, { deleted: 'include' });
    await recordOperatorAction(operator, clock, operatorAuthorOf(request), { action: 'audit.verify', subjectTenant: tenant.id });
    return toVerification(await withAuditOperator(operator, tenant.id, (tx) => verifyAuditChain(tx, { keys })));
  });
}
