// The BullMQ backend (Redis). One BullMQ Queue per job queue for sending, one Worker per queue
// worked here; retries and backoff are BullMQ's own (`attempts`, `backoff`), a worker that died
// mid-job is found by BullMQ's stalled-job check once its lock (`expireInSeconds`) lapses.
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions, type JobType } from 'bullmq';
import { deadLetterQueue, type DeadLetter, type JobBackend, type JobRecord, type JobState, type QueueSettings } from './job-backend.js';

// BullMQ's lists → our states (a delayed job that has been attempted is a retry waiting).
const BULLMQ_TYPES: Readonly<Record<JobState, readonly JobType[]>> = {
  queued: ['waiting', 'delayed', 'prioritized'], retrying: ['delayed'], running: ['active'], completed: ['completed'], failed: ['failed'],
};
/** How many records of each list a listing reads: Redis cannot filter by tenant, so it scans this many and filters. */
const LIST_SCAN = 1000;

function tenantOf(job: Job): string | null {
  const tenant = (job.data as { tenant?: unknown } | undefined)?.tenant;
  return typeof tenant === 'string' ? tenant : null;
}

export interface BullMqBackendOptions {
  /** ioredis options (or an instance) BullMQ connects with; workers need `maxRetriesPerRequest: null`. */
  readonly connection: ConnectionOptions;
  /** BullMQ's key prefix (default `bull`); one per application or test. */
  readonly prefix?: string;
  /** How long completed jobs (and so their idempotency keys) are kept, in seconds (default 1 day). */
  readonly keepCompletedSeconds?: number;
  /** How long failed jobs are kept, in seconds (default 7 days). */
  readonly keepFailedSeconds?: number;
}

/**
 * @example
 * const queue = createJobQueue({ backend: bullMqBackend({ connection: { host, port, maxRetriesPerRequest: null } }), tenants: registry });
 */
export function bullMqBackend(options: BullMqBackendOptions): JobBackend {
  const prefix = options.prefix ?? 'bull';
  const queues = new Map<string, Queue>();
  const settingsOf = new Map<string, QueueSettings>();
  const workers: Worker[] = [];

  function queueFor(name: string): Queue {
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: options.connection, prefix });
      queues.set(name, queue);
    }
    return queue;
  }

  function jobOptions(name: string, id: string | undefined, delayMs: number | undefined): JobsOptions {
    const settings = settingsOf.get(name);
    return {
      ...(id === undefined ? {} : { jobId: id }),
      ...(delayMs === undefined || delayMs <= 0 ? {} : { delay: delayMs }),
      ...(settings === undefined ? {} : {
        attempts: settings.retryLimit + 1,
        backoff: { type: settings.retryBackoff ? 'exponential' : 'fixed', delay: settings.retryDelayMs },
      }),
      removeOnComplete: { age: options.keepCompletedSeconds ?? 86_400 },
      removeOnFail: { age: options.keepFailedSeconds ?? 7 * 86_400 },
    };
  }

  return {
    kind: 'bullmq',
    async prepare(queue, settings) {
      settingsOf.set(queue, settings);
      await queueFor(queue).waitUntilReady();
    },
    async send(queue, data, sendOptions = {}) {
      const target = queueFor(queue);
      // BullMQ answers a duplicate id with the existing job and no sign of it: look first. The
      // add itself never stores a second job under one id, so a race only misreports.
      if (sendOptions.idempotent === true && sendOptions.id !== undefined && (await target.getJob(sendOptions.id)) !== undefined) return undefined;
      const job = await target.add(queue, data, jobOptions(queue, sendOptions.id, sendOptions.delayMs));
      return job.id;
    },
    async work(queue, concurrency, handler) {
      const expireInSeconds = settingsOf.get(queue)?.expireInSeconds ?? 30;
      const worker = new Worker(queue, async (job) => {
        await handler({ id: job.id ?? '', data: job.data as unknown, attempt: job.attemptsMade + 1 });
      }, {
        connection: options.connection,
        prefix,
        concurrency,
        lockDuration: expireInSeconds * 1000,
        stalledInterval: Math.max(1000, Math.floor((expireInSeconds * 1000) / 2)),
      });
      // Errors reach the handler's caller through the job's failure; this keeps a connection
      // error from becoming an unhandled 'error' event.
      worker.on('error', () => undefined);
      workers.push(worker);
      await worker.waitUntilReady();
    },
    async deadLetter(queue, delivery, reason) {
      await queueFor(deadLetterQueue(queue)).add('dead', { id: delivery.id, data: delivery.data, reason }, { removeOnComplete: false });
    },
    async deadLetters(queue, limit = 100): Promise<readonly DeadLetter[]> {
      const jobs = await queueFor(deadLetterQueue(queue)).getJobs(['wait', 'delayed'], 0, limit - 1, true);
      return jobs.map((job) => {
        const entry = job.data as { id: string; data: unknown; reason: string };
        return { id: entry.id, data: entry.data, reason: entry.reason };
      });
    },
    async list(filter) {
      const wanted = new Set(filter.states ?? ['queued', 'retrying', 'running', 'completed', 'failed']);
      const records: JobRecord[] = [];
      for (const name of filter.queues) {
        const queue = queueFor(name);
        for (const type of ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const) {
          for (const job of await queue.getJobs([type], 0, LIST_SCAN - 1)) {
            if (filter.tenant !== undefined && tenantOf(job) !== filter.tenant) continue;
            const state: JobState = type === 'delayed' ? (job.attemptsMade > 0 ? 'retrying' : 'queued')
              : type === 'active' ? 'running' : type === 'completed' ? 'completed' : type === 'failed' ? 'failed' : 'queued';
            if (!wanted.has(state) || !BULLMQ_TYPES[state].includes(type)) continue;
            records.push({
              id: job.id ?? '', name, state, attempts: job.attemptsMade, tenant: tenantOf(job), createdAt: new Date(job.timestamp),
              ...(job.processedOn ? { startedAt: new Date(job.processedOn) } : {}),
              ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn) } : {}),
              ...(job.failedReason ? { error: job.failedReason.slice(0, 500) } : {}),
            });
          }
        }
      }
      return records.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, filter.limit);
    },
    async retry(queue, id, tenant) {
      const job = await queueFor(queue).getJob(id);
      if (job === undefined || (tenant !== undefined && tenantOf(job) !== tenant) || !(await job.isFailed())) return false;
      await job.retry('failed');
      return true;
    },
    async failedCounts(queues) {
      const counts = new Map<string, number>();
      for (const name of queues) {
        for (const job of await queueFor(name).getJobs(['failed'], 0, LIST_SCAN - 1)) {
          const tenant = tenantOf(job) ?? '';
          counts.set(tenant, (counts.get(tenant) ?? 0) + 1);
        }
      }
      return counts;
    },
    async stop() {
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}
