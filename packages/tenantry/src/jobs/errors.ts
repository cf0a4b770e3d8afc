// Error codes of the jobs capability (background jobs that carry their tenant, and the
// Temporal interceptors that do the same for workflows and activities).
import { defineErrors } from '../core/index.js';

export const jobsErrors = defineErrors('jobs', {
  JOB_OPTIONS_INVALID: {
    kind: 'invalid',
    message: 'An option of the jobs capability is invalid.',
    fix: 'See `details.path` and `details.reason`: job names are lower-case words with `-`, `_` or `.`; counts are positive integers.',
  },
  JOB_NOT_DEFINED: {
    kind: 'invalid',
    message: 'No job of this name is defined.',
    fix: 'Call `jobs.define(name, …)` before enqueueing or working it, in every process that enqueues or works it.',
  },
  JOB_TENANT_MISSING: {
    kind: 'invalid',
    message: 'A tenant job was enqueued, or reached a worker, with no tenant.',
    fix: 'Enqueue it inside the tenant\'s context (`runWithTenant`, or a request Tenantry resolved); work that spans tenants is defined with `crossTenant: true`.',
  },
  JOB_CROSS_TENANT_IN_TENANT: {
    kind: 'conflict',
    message: 'A cross-tenant job was enqueued, or reached a worker, with a tenant.',
    fix: 'Enqueue cross-tenant jobs from a context-free scope (`runWithoutTenant`): a tenant request must not start work over every tenant.',
  },
  JOB_PAYLOAD_INVALID: {
    kind: 'invalid',
    message: 'The job payload is not JSON, or the job record a worker received is not one Tenantry wrote.',
    fix: 'Pass plain JSON values (no functions, bigints, undefined or cycles); a record written by something else is dead-lettered, never run.',
  },
  JOB_TENANT_GONE: {
    kind: 'conflict',
    message: 'The job\'s tenant is offboarding, deleted or unknown: the job is not run.',
    fix: 'Nothing to retry: the job went to the dead-letter queue with this reason. Restore the tenant first if the work is still wanted.',
  },
  JOB_NOT_FOUND: {
    kind: 'not_found',
    message: 'There is no failed job with this id (for this tenant).',
    fix: 'List the failed jobs (`jobs.list({ states: [\'failed\'] })`, GET /v1/tenant/jobs?state=failed) for their ids; only a failed job can be retried.',
  },
  JOB_QUEUE_CLOSED: {
    kind: 'unavailable',
    message: 'The job queue was stopped.',
    fix: 'Enqueue before `stop()`; stop the queue once, at shutdown.',
  },
  WORKFLOW_TENANT_MISSING: {
    kind: 'invalid',
    message: 'A workflow was started, or an activity ran, with no tenant.',
    fix: 'Start it inside the tenant\'s context; a workflow type that spans tenants is listed in `crossTenantWorkflows`.',
  },
  WORKFLOW_TENANT_HEADER_INVALID: {
    kind: 'invalid',
    message: 'The tenant header of a workflow or activity is not one Tenantry wrote.',
    fix: 'Start workflows through a client with `tenantWorkflowClientInterceptor`; do not set the `tenantry-tenant` header by hand.',
  },
});
