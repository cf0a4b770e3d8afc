// Lifecycle work (provisioning, onboarding, offboarding, deletion) as resumable workflows on
// the job queue: ordered steps, each one job. A step's job runs the step in the tenant's
// context, then enqueues the next step under an idempotency key (run id + step name), then
// completes. The queue is the persistence: a process that dies in a step leaves that step's job
// in flight, and the backend hands it out again (at-least-once), so the run resumes from the
// step it died in; steps must be idempotent. A step that keeps failing is dead-lettered with its
// reason, and `resume` starts the run again from that step.
import { randomUUID } from 'node:crypto';
import { currentTenant, type TenantId, type TenantStatus } from '../core/index.js';
import { jobsErrors } from './errors.js';
import type { JsonValue } from './job-envelope.js';
import type { JobDefinition, JobQueue } from './job-queue.js';

export interface WorkflowStepInfo {
  readonly workflow: string;
  readonly runId: string;
  readonly step: string;
  /** 1 on the first attempt of this step. */
  readonly attempt: number;
  readonly tenantId: TenantId;
}

export interface WorkflowStep {
  /** Unique within the workflow; what `resume` and the test hook name. */
  readonly name: string;
  /** Must be idempotent: after a crash it may run again. The tenant is in context. */
  run(input: JsonValue, info: WorkflowStepInfo): Promise<void> | void;
}

export interface TenantWorkflowsOptions {
  readonly queue: JobQueue;
  /** Test hook, called before every step: the crash test kills its own process at a named step. */
  readonly beforeStep?: (info: WorkflowStepInfo) => void | Promise<void>;
  /** Per step: retries, expiry, concurrency (the queue's defaults otherwise). */
  readonly stepJob?: Pick<JobDefinition, 'retry' | 'expireInSeconds' | 'concurrency' | 'tenantConcurrency'>;
}

/** A step that failed for good, with why: the tenant's failed state. */
export interface FailedStep {
  readonly workflow: string;
  readonly runId: string;
  readonly step: string;
  readonly tenantId: string | null;
  readonly reason: string;
}

export interface TenantWorkflows {
  /** Declares a workflow and its ordered steps (in every process that starts or works it). */
  define(workflow: string, steps: readonly WorkflowStep[]): void;
  /** The application's own step, inserted after the named one (or first), before `start`. */
  addStep(workflow: string, step: WorkflowStep, position: { readonly after?: string }): void;
  /** The steps of a workflow, in order. */
  steps(workflow: string): readonly string[];
  /** Starts a run for the tenant in context; with the same `runId`, starts it once. Answers the run id. */
  start(workflow: string, input: JsonValue, options?: { readonly runId?: string }): Promise<string>;
  /** Starts the run again from `step` (after a failure), for the tenant in context. */
  resume(workflow: string, runId: string, step: string, input: JsonValue): Promise<void>;
  /** Steps dead-lettered after their last attempt: each run's failed state and reason. */
  failures(workflow: string): Promise<readonly FailedStep[]>;
  /** Registers one job per workflow with the queue; call before `queue.start()`. */
  register(): void;
}

/** Lifecycle steps run while the tenant is not active yet, or no more. */
const LIFECYCLE_STATUSES: readonly TenantStatus[] = ['provisioning', 'active', 'suspended', 'offboarding'];

interface StepPayload { runId: string; step: string; input: JsonValue }

export function createTenantWorkflows(options: TenantWorkflowsOptions): TenantWorkflows {
  const { queue } = options;
  const workflows = new Map<string, WorkflowStep[]>();
  const jobName = (workflow: string) => `workflow.${workflow}`;

  function stepsOf(workflow: string): WorkflowStep[] {
    const steps = workflows.get(workflow);
    if (steps === undefined) throw jobsErrors.create('JOB_NOT_DEFINED', { details: { name: jobName(workflow) } });
    return steps;
  }

  function indexOf(workflow: string, step: string): number {
    const index = stepsOf(workflow).findIndex((s) => s.name === step);
    if (index === -1) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'step', reason: `${workflow} has no step ${step}` } });
    return index;
  }

  function requireTenantFor(workflow: string): TenantId {
    const context = currentTenant();
    if (context === undefined) throw jobsErrors.create('JOB_TENANT_MISSING', { details: { name: jobName(workflow) } });
    return context.tenantId;
  }

  return {
    define(workflow, steps) {
      if (workflows.has(workflow)) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'workflow', reason: 'defined twice' } });
      const names = new Set(steps.map((s) => s.name));
      if (steps.length === 0 || names.size !== steps.length) {
        throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'steps', reason: 'at least one step, names unique' } });
      }
      workflows.set(workflow, [...steps]);
    },

    addStep(workflow, step, position) {
      const steps = stepsOf(workflow);
      if (steps.some((s) => s.name === step.name)) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'step', reason: `${step.name} is already a step` } });
      const at = position.after === undefined ? 0 : indexOf(workflow, position.after) + 1;
      steps.splice(at, 0, step);
    },

    steps: (workflow) => stepsOf(workflow).map((s) => s.name),

    async start(workflow, input, startOptions = {}) {
      requireTenantFor(workflow);
      const runId = startOptions.runId ?? randomUUID();
      const first = stepsOf(workflow)[0]!.name;
      await queue.enqueue(jobName(workflow), { runId, step: first, input } satisfies StepPayload, { idempotencyKey: `${runId}:${first}` });
      return runId;
    },

    async resume(workflow, runId, step, input) {
      requireTenantFor(workflow);
      indexOf(workflow, step);
      // No idempotency key: the failed step's key is spent, and a resume is a deliberate act.
      await queue.enqueue(jobName(workflow), { runId, step, input } satisfies StepPayload);
    },

    async failures(workflow) {
      stepsOf(workflow);
      const dead = await queue.deadLetters(jobName(workflow), 1000);
      return dead.map((letter) => {
        const envelope = letter.data as { tenant?: string | null; payload?: Partial<StepPayload> };
        return {
          workflow,
          runId: String(envelope.payload?.runId ?? ''),
          step: String(envelope.payload?.step ?? ''),
          tenantId: envelope.tenant ?? null,
          reason: letter.reason,
        };
      });
    },

    register() {
      for (const workflow of workflows.keys()) {
        queue.define(jobName(workflow), {
          ...options.stepJob,
          tenantStatuses: LIFECYCLE_STATUSES,
          handler: async (payload, job) => {
            const { runId, step, input } = payload as unknown as StepPayload;
            const steps = stepsOf(workflow);
            const index = indexOf(workflow, step);
            const info: WorkflowStepInfo = { workflow, runId, step, attempt: job.attempt, tenantId: job.tenantId as TenantId };
            await options.beforeStep?.(info);
            await steps[index]!.run(input, info);
            const next = steps[index + 1];
            if (next !== undefined) {
              await queue.enqueue(jobName(workflow), { runId, step: next.name, input } satisfies StepPayload, { idempotencyKey: `${runId}:${next.name}` });
            }
          },
        });
      }
    },
  };
}
