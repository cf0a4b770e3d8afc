// The one interface a queue driver implements (pg-boss, BullMQ). A backend moves opaque job
// records: it never reads the tenant inside them and never decides anything about it; the job
// runner (job-queue.ts) does, the same way on every backend.

/** How a queue retries and expires its jobs; fixed when the job is defined. */
export interface QueueSettings {
  /** Retries after the first attempt (0 = one attempt only). */
  readonly retryLimit: number;
  /** Delay before the first retry, in ms (pg-boss rounds it up to whole seconds). */
  readonly retryDelayMs: number;
  /** Doubles the delay at each retry. */
  readonly retryBackoff: boolean;
  /**
   * How long an attempt may stay in flight before the backend counts it as lost and retries it
   * (a worker that died mid-job). pg-boss: the job's expiry; BullMQ: the lock duration.
   */
  readonly expireInSeconds: number;
}

export interface SendOptions {
  /**
   * The job's id. A second send with an id the backend still holds is a no-op that answers
   * `undefined`: idempotency keys become ids derived from (job, tenant, key).
   */
  readonly id?: string;
  /**
   * The id is an idempotency key's: the caller needs to know whether it was already held. A
   * backend whose store answers that for free (pg-boss) ignores this; BullMQ asks first.
   */
  readonly idempotent?: boolean;
  /** Run no earlier than this many ms from now. */
  readonly delayMs?: number;
}

export interface WorkOptions {
  /**
   * The tenants whose jobs this worker cannot take now (they are at their cap). A backend that
   * can filter when it fetches (pg-boss) passes their jobs over; one that cannot (BullMQ)
   * delivers them anyway and the runner puts them back. The backend reads the tenant from the
   * record's `tenant` field for this and for nothing else.
   */
  readonly busyTenants?: () => readonly string[];
}

/** One attempt of one job, as a worker receives it. */
export interface JobDelivery {
  readonly id: string;
  /** The stored record, unparsed: the runner validates it before trusting any of it. */
  readonly data: unknown;
  /** 1 on the first attempt. */
  readonly attempt: number;
}

/** A job that will not be attempted again, with why. */
export interface DeadLetter {
  readonly id: string;
  readonly data: unknown;
  readonly reason: string;
}

/** Where a job stands, the same words on every backend. */
export type JobState = 'queued' | 'retrying' | 'running' | 'completed' | 'failed';
export const JOB_STATES: readonly JobState[] = ['queued', 'retrying', 'running', 'completed', 'failed'];

/** A job as a tenant or an operator sees it: never its payload. */
export interface JobRecord {
  /** The backend's id of this record (what `retry` takes). */
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  /** Attempts made so far (a queued job: 0). */
  readonly attempts: number;
  /** The record's tenant as the runner wrote it; null for a cross-tenant job. */
  readonly tenant: string | null;
  readonly createdAt: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** Why the last attempt failed (code and message, never a stack). */
  readonly error?: string;
}

export interface JobListFilter {
  readonly queues: readonly string[];
  /** Only this tenant's records (null: only cross-tenant ones); absent: every record. */
  readonly tenant?: string | null;
  readonly states?: readonly JobState[];
  /** Newest first, at most this many. */
  readonly limit: number;
}

export interface JobBackend {
  /** 'pg-boss', 'bullmq' … (logs, metrics, the bench). */
  readonly kind: string;
  /** Creates the queue (and its dead-letter queue) if needed; idempotent. */
  prepare(queue: string, settings: QueueSettings): Promise<void>;
  /** Stores a job; `undefined` when `options.id` is already held. */
  send(queue: string, data: unknown, options?: SendOptions): Promise<string | undefined>;
  /**
   * Starts delivering jobs of `queue` to `handler`, at most `concurrency` at once in this
   * process. A handler that resolves completes the job; one that rejects fails the attempt, and
   * the backend retries it per the queue's settings.
   */
  work(queue: string, concurrency: number, handler: (delivery: JobDelivery) => Promise<void>, options?: WorkOptions): Promise<void>;
  /** Records `delivery` in the queue's dead-letter queue; the caller then completes it. */
  deadLetter(queue: string, delivery: JobDelivery, reason: string): Promise<void>;
  /** The dead letters of `queue`, oldest first (at most `limit`, default 100). */
  deadLetters(queue: string, limit?: number): Promise<readonly DeadLetter[]>;
  /** Records of the queues, newest first (the backend reads the record's `tenant` field to filter, and nothing else of it). */
  list(filter: JobListFilter): Promise<readonly JobRecord[]>;
  /**
   * Puts a failed record of `queue` back to be attempted again (one more attempt). With `tenant`,
   * only a record of that tenant. False when there is no such failed record.
   */
  retry(queue: string, id: string, tenant?: string): Promise<boolean>;
  /** Failed records per tenant over the queues (cross-tenant ones under `''`). */
  failedCounts(queues: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Stops fetching, waits for the jobs in flight, closes what the backend opened. */
  stop(): Promise<void>;
}

/** The dead-letter queue of a queue: a name both pg-boss and BullMQ accept. */
export function deadLetterQueue(queue: string): string {
  return `${queue}__dead`;
}
