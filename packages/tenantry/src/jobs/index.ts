// The jobs capability: background jobs that carry their tenant from `enqueue` to the worker,
// on pg-boss (PostgreSQL) or BullMQ (Redis) behind one interface (docs/jobs.md). The drivers
// are optional peers: their backends are the subpaths `tenantry/jobs/pg-boss` and
// `tenantry/jobs/bullmq`; the Temporal interceptors are `tenantry/jobs/temporal`.
export { jobsErrors } from './errors.js';
export { createJobQueue } from './job-queue.js';
export type {
  EnqueueOptions, JobDefinition, JobListOptions, JobEvent, JobHandler, JobInfo, JobQueue, JobQueueOptions, TenantStatusLookup,
} from './job-queue.js';
export { deadLetterQueue, JOB_STATES } from './job-backend.js';
export type { DeadLetter, JobBackend, JobDelivery, JobListFilter, JobRecord, JobState, QueueSettings, SendOptions, WorkOptions } from './job-backend.js';
export type { JobEnvelope, JsonValue } from './job-envelope.js';
export { createTenantWorkflows } from './tenant-workflows.js';
export type { FailedStep, TenantWorkflows, TenantWorkflowsOptions, WorkflowStep, WorkflowStepInfo } from './tenant-workflows.js';
