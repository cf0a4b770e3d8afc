// The job queue: jobs that carry their tenant. `enqueue` captures the tenant in context into
// the job; the worker starts every job from no tenant, checks the job's tenant is active in the
// registry, and runs the handler inside that tenant's context, so a job can neither see the
// previous job's tenant nor run for a tenant that was suspended after it was enqueued.
import { randomUUID } from 'node:crypto';
import { v5 as uuidV5 } from 'uuid';
import {
  currentTenant, isTenantryError, runWithoutTenant, runWithTenant, systemClock,
  type Clock, type Tenant, type TenantId, type TenantStatus,
} from '../core/index.js';
import { jobsErrors } from './errors.js';
import { JOB_STATES, type DeadLetter, type JobBackend, type JobDelivery, type JobRecord, type JobState, type QueueSettings } from './job-backend.js';
import { assertJson, parseEnvelope, type JobEnvelope, type JsonValue } from './job-envelope.js';

/** What a handler learns about the job besides its payload. The tenant is in context. */
export interface JobInfo {
  readonly name: string;
  /** Stable across retries and deferrals (derived from the idempotency key when given). */
  readonly jobId: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** The job's tenant (also `currentTenant()` inside the handler); undefined for cross-tenant jobs. */
  readonly tenantId: TenantId | undefined;
  readonly enqueuedAt: Date;
}

export type JobHandler<P extends JsonValue = JsonValue> = (payload: P, job: JobInfo) => Promise<void> | void;

export interface JobDefinition<P extends JsonValue = JsonValue> {
  readonly handler: JobHandler<P>;
  /**
   * The job spans tenants (a rollup over all of them, a retention run): it is enqueued from no
   * tenant and runs with none, using the operator path. Default false: a tenant job, enqueued
   * only inside a tenant's context.
   */
  readonly crossTenant?: boolean;
  /**
   * The tenant statuses this job runs in (default `['active']`). A job in any other status that
   * is `provisioning` or `suspended` is deferred; any other is dead-lettered. Lifecycle
   * workflows widen it: provisioning and offboarding steps run for tenants not active yet, or
   * no more.
   */
  readonly tenantStatuses?: readonly TenantStatus[];
  /** Retries after the first attempt (default 3), the first delay (ms, default 1000), doubling (default true). */
  readonly retry?: { readonly limit?: number; readonly delayMs?: number; readonly backoff?: boolean };
  /** How long an attempt may run before it counts as lost and is retried (s, default 900). */
  readonly expireInSeconds?: number;
  /** Jobs of this name run at once in one worker process (default 4). */
  readonly concurrency?: number;
  /**
   * Jobs of this name one tenant may run at once in one worker process (default: half of
   * `concurrency`, at least 1). A job over the cap goes back to the end of the queue, so one
   * tenant's backlog cannot take every slot while another tenant waits.
   */
  readonly tenantConcurrency?: number;
}

/** The slice of the tenant registry the worker needs (a `TenantRegistry` or `cachedTenantLookup(registry)`). */
export interface TenantStatusLookup {
  tryGet(id: TenantId): Promise<Pick<Tenant, 'status'> | undefined>;
}

export interface JobQueueOptions {
  readonly backend: JobBackend;
  /** Where the worker checks a job's tenant before running it. */
  readonly tenants: TenantStatusLookup;
  readonly clock?: Clock;
  /** How long a suspended (or still provisioning) tenant's job waits before it is looked at again (ms, default 30,000). */
  readonly suspendedDelayMs?: number;
  /** How long a job over its tenant's cap waits before it is looked at again (ms, default 200). */
  readonly capDelayMs?: number;
  /** Told about every failed attempt and every job not run (for logs and metrics); must not throw. */
  readonly onEvent?: (event: JobEvent) => void;
}

export type JobEvent =
  | { readonly type: 'failed'; readonly name: string; readonly jobId: string; readonly attempt: number; readonly tenantId: TenantId | undefined; readonly error: unknown; readonly final: boolean }
  | { readonly type: 'deferred'; readonly name: string; readonly jobId: string; readonly tenantId: TenantId; readonly reason: 'suspended' | 'tenant-cap' }
  | { readonly type: 'dead-lettered'; readonly name: string; readonly jobId: string | undefined; readonly reason: string };

export interface EnqueueOptions {
  /**
   * At most one job per (job name, tenant, key) while the backend keeps the first one (pg-boss:
   * until it is archived, 12 h after completion by default; BullMQ: `keepCompletedSeconds`).
   * Keys are per tenant: one tenant's key never suppresses another tenant's job.
   */
  readonly idempotencyKey?: string;
  /** Run no earlier than this many ms from now. */
  readonly delayMs?: number;
}

export interface JobListOptions {
  /** Job names (default: every defined job). */
  readonly names?: readonly string[];
  readonly states?: readonly JobState[];
  /** Default 50, at most 500. */
  readonly limit?: number;
  /**
   * Only outside a tenant's context (the operator path): one tenant's jobs, or `'all'`. Inside a
   * tenant's context the list is that tenant's, always; naming another is refused.
   */
  readonly tenant?: TenantId | 'all';
}

export interface JobQueue {
  /** Declares a job: its handler, whether it is cross-tenant, its retries and concurrency. */
  define<P extends JsonValue>(name: string, definition: JobDefinition<P>): void;
  /**
   * Enqueues a job for the tenant in context (a tenant job with no tenant in context throws
   * JOB_TENANT_MISSING; a cross-tenant job inside a tenant's context throws
   * JOB_CROSS_TENANT_IN_TENANT). Answers the job id, or `undefined` when the idempotency key was
   * already used.
   */
  enqueue(name: string, payload: JsonValue, options?: EnqueueOptions): Promise<string | undefined>;
  /** Starts working every defined job (or the named ones) in this process. */
  start(names?: readonly string[]): Promise<void>;
  /** Jobs of `name` that will not be attempted again, with why. */
  deadLetters(name: string, limit?: number): Promise<readonly DeadLetter[]>;
  /**
   * Jobs newest first: queued, running, retrying, completed or failed (with the reason). In a
   * tenant's context only that tenant's; outside one, `tenant` must say whose (or `'all'`):
   * no context never means every tenant (JOB_TENANT_MISSING).
   */
  list(options?: JobListOptions): Promise<readonly JobRecord[]>;
  /**
   * Attempts a failed job once more, in its own tenant. In a tenant's context only that tenant's
   * job; outside one only with `{ anyTenant: true }` (the operator path). JOB_NOT_FOUND when
   * there is no such failed job.
   */
  retry(name: string, id: string, options?: { readonly anyTenant?: boolean }): Promise<void>;
  /** Failed jobs per tenant id over every defined job (cross-tenant jobs under `''`). */
  failedCounts(): Promise<ReadonlyMap<string, number>>;
  /** Stops working and closes the backend's queues; jobs in flight finish first. */
  stop(): Promise<void>;
}

const NAME = /^[a-z][a-z0-9_.-]{0,99}$/;
// Idempotency ids are UUIDv5 in this namespace, so a key maps to the same id in every process.
const IDEMPOTENCY_NAMESPACE = '1b671a64-40d5-491b-99b0-da01e80fa1d1';

interface Defined {
  readonly definition: JobDefinition;
  readonly settings: QueueSettings;
  readonly concurrency: number;
  readonly tenantConcurrency: number;
  readonly tenantStatuses: readonly TenantStatus[];
}

/**
 * @example
 * const jobs = createJobQueue({ backend: pgBossBackend({ boss }), tenants: cachedTenantLookup(registry) });
 * jobs.define('send-invoice', { handler: async ({ invoiceId }) => sendInvoice(requireTenant().tenantId, invoiceId) });
 * await jobs.start();
 * // in a request for tenant A:
 * await jobs.enqueue('send-invoice', { invoiceId }, { idempotencyKey: invoiceId });
 */
export function createJobQueue(options: JobQueueOptions): JobQueue {
  const { backend, tenants } = options;
  const clock = options.clock ?? systemClock;
  const suspendedDelayMs = options.suspendedDelayMs ?? 30_000;
  const capDelayMs = options.capDelayMs ?? 200;
  const emit = (event: JobEvent) => { try { options.onEvent?.(event); } catch { /* a listener must not break a worker */ } };
  const defined = new Map<string, Defined>();
  const prepared = new Map<string, Promise<void>>();
  let stopped = false;

  function positive(path: string, value: number | undefined, fallback: number, min = 1): number {
    const chosen = value ?? fallback;
    if (!Number.isInteger(chosen) || chosen < min) {
      throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path, reason: `an integer ≥ ${min}` } });
    }
    return chosen;
  }

  function lookup(name: string): Defined {
    const entry = defined.get(name);
    if (entry === undefined) throw jobsErrors.create('JOB_NOT_DEFINED', { details: { name } });
    return entry;
  }

  function prepare(name: string): Promise<void> {
    let ready = prepared.get(name);
    if (ready === undefined) {
      ready = backend.prepare(name, lookup(name).settings);
      ready.catch(() => prepared.delete(name));
      prepared.set(name, ready);
    }
    return ready;
  }

  // Jobs running now per tenant, per job name: the cap is counted in this process.
  const running = new Map<string, Map<TenantId, number>>();

  async function deadLetter(name: string, delivery: JobDelivery, jobId: string | undefined, reason: string): Promise<void> {
    await backend.deadLetter(name, delivery, reason);
    emit({ type: 'dead-lettered', name, jobId, reason });
  }

  /** Puts the job back at the end of the queue, not counted as an attempt. */
  async function defer(name: string, envelope: JobEnvelope, delayMs: number, reason: 'suspended' | 'tenant-cap'): Promise<void> {
    await backend.send(name, { ...envelope, deferrals: envelope.deferrals + 1 }, { delayMs });
    emit({ type: 'deferred', name, jobId: envelope.jobId, tenantId: envelope.tenant as TenantId, reason });
  }

  async function deliver(name: string, entry: Defined, delivery: JobDelivery): Promise<void> {
    let envelope: JobEnvelope;
    try {
      envelope = parseEnvelope(delivery.data);
    } catch (err) {
      return deadLetter(name, delivery, undefined, reasonOf(err));
    }
    if (envelope.job !== name) return deadLetter(name, delivery, envelope.jobId, 'JOB_PAYLOAD_INVALID: the record names another job');
    const info: JobInfo = {
      name,
      jobId: envelope.jobId,
      attempt: delivery.attempt,
      tenantId: envelope.tenant ?? undefined,
      enqueuedAt: new Date(envelope.enqueuedAt),
    };
    const { definition } = entry;
    if (envelope.tenant === null) {
      if (definition.crossTenant !== true) return deadLetter(name, delivery, envelope.jobId, 'JOB_TENANT_MISSING');
      return attempt(name, entry, delivery, info, () => definition.handler(envelope.payload, info));
    }
    if (definition.crossTenant === true) return deadLetter(name, delivery, envelope.jobId, 'JOB_CROSS_TENANT_IN_TENANT');
    const tenantId = envelope.tenant;
    const tenant = await tenants.tryGet(tenantId);
    if (tenant === undefined || !entry.tenantStatuses.includes(tenant.status)) {
      if (tenant?.status === 'suspended' || tenant?.status === 'provisioning') return defer(name, envelope, suspendedDelayMs, 'suspended');
      return deadLetter(name, delivery, envelope.jobId, `JOB_TENANT_GONE: the tenant is ${tenant?.status ?? 'unknown'}`);
    }
    // Check and take a slot with no await in between: this is the one place the cap is decided.
    let perTenant = running.get(name);
    if (perTenant === undefined) running.set(name, (perTenant = new Map<TenantId, number>()));
    const now = perTenant.get(tenantId) ?? 0;
    if (now >= entry.tenantConcurrency) return defer(name, envelope, capDelayMs, 'tenant-cap');
    perTenant.set(tenantId, now + 1);
    try {
      const context = { tenantId, resolvedBy: 'job', ...(envelope.slug === undefined ? {} : { slug: envelope.slug }) };
      await attempt(name, entry, delivery, info, () => runWithTenant(context, () => definition.handler(envelope.payload, info)));
    } finally {
      const left = (perTenant.get(tenantId) ?? 1) - 1;
      if (left === 0) perTenant.delete(tenantId);
      else perTenant.set(tenantId, left);
    }
  }

  async function attempt(name: string, entry: Defined, delivery: JobDelivery, info: JobInfo, run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (err) {
      const final = delivery.attempt > entry.settings.retryLimit;
      emit({ type: 'failed', name, jobId: info.jobId, attempt: delivery.attempt, tenantId: info.tenantId, error: err, final });
      if (final) await deadLetter(name, delivery, info.jobId, reasonOf(err));
      throw err;
    }
  }

  return {
    define(name, definition) {
      if (!NAME.test(name)) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'name', reason: 'lower-case letters, digits, `.`, `-`, `_`; 1–100 characters' } });
      if (defined.has(name)) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'name', reason: 'defined twice' } });
      if (typeof definition.handler !== 'function') throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'handler', reason: 'a function' } });
      const concurrency = positive('concurrency', definition.concurrency, 4);
      defined.set(name, {
        definition: definition as JobDefinition,
        concurrency,
        tenantConcurrency: positive('tenantConcurrency', definition.tenantConcurrency, Math.max(1, Math.floor(concurrency / 2))),
        tenantStatuses: definition.tenantStatuses ?? ['active'],
        settings: {
          retryLimit: positive('retry.limit', definition.retry?.limit, 3, 0),
          retryDelayMs: positive('retry.delayMs', definition.retry?.delayMs, 1000, 0),
          retryBackoff: definition.retry?.backoff ?? true,
          expireInSeconds: positive('expireInSeconds', definition.expireInSeconds, 900),
        },
      });
    },

    async enqueue(name, payload, enqueueOptions = {}) {
      if (stopped) throw jobsErrors.create('JOB_QUEUE_CLOSED');
      const { definition } = lookup(name);
      const context = currentTenant();
      if (definition.crossTenant === true && context !== undefined) throw jobsErrors.create('JOB_CROSS_TENANT_IN_TENANT', { details: { name } });
      if (definition.crossTenant !== true && context === undefined) throw jobsErrors.create('JOB_TENANT_MISSING', { details: { name } });
      assertJson(payload);
      const key = enqueueOptions.idempotencyKey;
      if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
        throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'idempotencyKey', reason: 'a string of 1–200 characters' } });
      }
      const tenant = context?.tenantId ?? null;
      const jobId = key === undefined ? randomUUID() : uuidV5(`${name}\n${tenant ?? '*'}\n${key}`, IDEMPOTENCY_NAMESPACE);
      const envelope: JobEnvelope = {
        v: 1,
        job: name,
        jobId,
        tenant,
        ...(context?.slug === undefined ? {} : { slug: context.slug }),
        payload,
        enqueuedAt: clock.now().toISOString(),
        deferrals: 0,
      };
      await prepare(name);
      const stored = await backend.send(name, envelope, {
        id: jobId,
        idempotent: key !== undefined,
        ...(enqueueOptions.delayMs === undefined ? {} : { delayMs: enqueueOptions.delayMs }),
      });
      return stored === undefined ? undefined : jobId;
    },

    async start(names) {
      if (stopped) throw jobsErrors.create('JOB_QUEUE_CLOSED');
      for (const name of names ?? [...defined.keys()]) {
        const entry = lookup(name);
        await prepare(name);
        // Every delivery starts from no tenant, whatever context `start` was called in.
        const busyTenants = () => {
          const perTenant = running.get(name);
          if (perTenant === undefined) return [];
          const busy: string[] = [];
          for (const [id, count] of perTenant) if (count >= entry.tenantConcurrency) busy.push(id);
          return busy;
        };
        await runWithoutTenant(() => backend.work(name, entry.concurrency, (delivery) => runWithoutTenant(() => deliver(name, entry, delivery)), { busyTenants }));
      }
    },

    deadLetters(name, limit) {
      lookup(name);
      return backend.deadLetters(name, limit);
    },

    async list(listOptions = {}) {
      const context = currentTenant();
      const requested = listOptions.tenant;
      if (context !== undefined && requested !== undefined && requested !== context.tenantId) throw jobsErrors.create('JOB_CROSS_TENANT_IN_TENANT', { details: { tenant: requested } });
      if (context === undefined && requested === undefined) throw jobsErrors.create('JOB_TENANT_MISSING', { details: { reason: "outside a tenant's context, say whose jobs: `tenant: id` or `tenant: 'all'`" } });
      const names = listOptions.names ?? [...defined.keys()];
      for (const name of names) lookup(name);
      for (const state of listOptions.states ?? []) if (!JOB_STATES.includes(state)) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'states', reason: JOB_STATES.join(', ') } });
      const limit = positive('limit', listOptions.limit, 50);
      if (limit > 500) throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'limit', reason: 'at most 500' } });
      const tenant = context?.tenantId ?? (requested === 'all' ? undefined : requested);
      return backend.list({ queues: names, limit, ...(tenant === undefined ? {} : { tenant }), ...(listOptions.states ? { states: listOptions.states } : {}) });
    },

    async retry(name, id, retryOptions = {}) {
      lookup(name);
      const context = currentTenant();
      if (context === undefined && retryOptions.anyTenant !== true) throw jobsErrors.create('JOB_TENANT_MISSING', { details: { reason: 'retry in the job\'s tenant, or pass `anyTenant: true` on the operator path' } });
      if (typeof id !== 'string' || id.length === 0 || id.length > 100) throw jobsErrors.create('JOB_NOT_FOUND', { details: { name, id: String(id) } });
      await prepare(name);
      if (!(await backend.retry(name, id, context?.tenantId))) throw jobsErrors.create('JOB_NOT_FOUND', { details: { name, id } });
    },

    failedCounts() {
      return backend.failedCounts([...defined.keys()]);
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      await backend.stop();
    },
  };
}

/** A dead letter's reason: the error code (and message), never a stack. */
function reasonOf(err: unknown): string {
  const text = isTenantryError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 500);
}
