// The background jobs of tenants (docs/jobs.md): a tenant sees its own jobs (queued, running,
// retrying, completed, failed with the reason) and retries its failed ones; an operator sees
// every tenant's, or one tenant's, and may retry any. The tenant's view is fail-closed: the
// queue answers only the tenant in context, which is the one the request resolved to.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { runWithoutTenant, type TenantId } from 'tenantry';
import { JOB_STATES, type JobQueue, type JobRecord } from 'tenantry/jobs';
import { DateTime, OPERATOR_SECURITY, strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const State = Type.Union(JOB_STATES.map((s) => Type.Literal(s)));
const Job = strictObject({
  id: Type.String(), name: Type.String(), state: State, attempts: Type.Integer(),
  tenantId: Type.Union([Uuid, Type.Null()], { description: 'null for a cross-tenant job (operators only see those).' }),
  createdAt: DateTime, startedAt: Type.Optional(DateTime), finishedAt: Type.Optional(DateTime),
  error: Type.Optional(Type.String({ description: 'Why the last attempt failed: a code and a message, never a stack.' })),
});
const Jobs = strictObject({ items: Type.Array(Job) });
const TenantQuery = strictObject({
  state: Type.Optional(State),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});
const OperatorQuery = strictObject({ ...TenantQuery.properties, tenantId: Type.Optional(Uuid) });
const JobParams = strictObject({ name: Type.String({ minLength: 1, maxLength: 100 }), id: Type.String({ minLength: 1, maxLength: 100 }) });

const tags = ['jobs'];

function toBody(job: JobRecord) {
  const { tenant, ...rest } = job;
  return { ...rest, tenantId: tenant };
}

/**
 * @example registerTenantJobRoutes(tenantScope, jobs.queue); // GET /v1/tenant/jobs
 */
export function registerTenantJobRoutes(app: FastifyInstance, queue: JobQueue): void {
  app.get<{ Querystring: Static<typeof TenantQuery> }>('/jobs', {
    config: { access: 'jobs:read' },
    schema: { tags, security: TENANT_SECURITY, summary: 'The tenant\'s background jobs, newest first', operationId: 'listTenantJobs', querystring: TenantQuery, response: { 200: Jobs } },
  }, async (request) => ({
    items: (await queue.list({ ...(request.query.state ? { states: [request.query.state] } : {}), ...(request.query.limit ? { limit: request.query.limit } : {}) })).map(toBody),
  }));
  app.post<{ Params: Static<typeof JobParams> }>('/jobs/:name/:id/retry', {
    config: { access: 'jobs:write' },
    schema: { tags, security: TENANT_SECURITY, summary: 'Attempt one of the tenant\'s failed jobs again', operationId: 'retryTenantJob', params: JobParams, response: { 202: strictObject({ retried: Type.Literal(true) }) } },
  }, async (request, reply) => {
    await queue.retry(request.params.name, request.params.id);
    return reply.code(202).send({ retried: true as const });
  });
}

/**
 * Routes under the operator scope (the caller registers `requireOperator` first).
 *
 * @example registerOperatorJobRoutes(operatorScope, jobs.queue); // GET /v1/jobs
 */
export function registerOperatorJobRoutes(app: FastifyInstance, queue: JobQueue): void {
  app.get<{ Querystring: Static<typeof OperatorQuery> }>('/jobs', {
    schema: { tags, security: OPERATOR_SECURITY, summary: 'Every tenant\'s background jobs (or one tenant\'s), newest first', operationId: 'listJobs', querystring: OperatorQuery, response: { 200: Jobs } },
  }, async (request) => {
    const { state, limit, tenantId } = request.query;
    // The operator path: outside any tenant's context, and naming whose jobs explicitly.
    const jobs = await runWithoutTenant(() => queue.list({ tenant: (tenantId?.toLowerCase() as TenantId | undefined) ?? 'all', ...(state ? { states: [state] } : {}), ...(limit ? { limit } : {}) }));
    return { items: jobs.map(toBody) };
  });
  app.post<{ Params: Static<typeof JobParams> }>('/jobs/:name/:id/retry', {
    schema: { tags, security: OPERATOR_SECURITY, summary: 'Attempt any tenant\'s failed job again (in its own tenant)', operationId: 'retryJob', params: JobParams, response: { 202: strictObject({ retried: Type.Literal(true) }) } },
  }, async (request, reply) => {
    await runWithoutTenant(() => queue.retry(request.params.name, request.params.id, { anyTenant: true }));
    return reply.code(202).send({ retried: true as const });
  });
}
