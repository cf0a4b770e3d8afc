// The health capability wired over the operator pool: activity recorder, analytics, health
// reports, alert events and a periodic alert evaluator, with one close() for shutdown. With a
// job queue (the server's), alert evaluation, alert notifications and activity pruning are jobs:
// each period is enqueued once under one idempotency key, so of several servers only one runs it,
// a notification is retried with backoff, and work a crash interrupted runs again.
import type { Logger } from 'pino';
import { runWithoutTenant, systemClock, type Clock } from 'tenantry';
import type { JobQueue, JsonValue } from 'tenantry/jobs';
import {
  alertWebhook, createActivityRecorder, pruneActivity, createAlertEvaluator, createAlertEvents, createTenantAnalytics, createTenantHealth,
  type AlertRule, type QuotaPressureReader,
} from 'tenantry/health';
import type { SqlPool } from 'tenantry/postgres';
import type { HealthServices } from '../http/api-dependencies.js';

/**
 * Rules the server evaluates unless given others: a tenant failing or slow over the window, or
 * hot (keeping more than two connections busy on average: the free plan's cap).
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze([
  { name: 'high-error-rate', metric: 'errorRate', threshold: 0.25, minRequests: 20 },
  { name: 'slow-responses', metric: 'p95Ms', threshold: 5000, minRequests: 20 },
  { name: 'hot-tenant', metric: 'dbLoad', threshold: 2 },
]);

export interface HealthServicesOptions {
  readonly logger: Logger;
  readonly windowMinutes?: number;
  readonly rules?: readonly AlertRule[];
  /** Where alert openings and resolutions are POSTed, HMAC-signed with `secret`. */
  readonly webhook?: { readonly url: string; readonly secret: string };
  /** The quota capability's reader, once it exists; default none. */
  readonly quotaPressure?: QuotaPressureReader;
  /** Failed jobs per tenant (the job queue's failedCounts); default none (failedJobs is null). */
  readonly failedJobs?: () => Promise<ReadonlyMap<string, number>>;
  /** Default 60 000 ms. */
  readonly alertIntervalMs?: number;
  /** Activity buckets older than this are deleted, hourly. Default 90 (the longest analytics window is 366 days on request; 90 is the default growth window). */
  readonly activityRetentionDays?: number;
  /** "Now" for activity buckets, health windows, analytics, alerts and pruning. Default: the system clock. */
  readonly clock?: Clock;
  /** Run evaluation, notifications and pruning as jobs of this queue (see the header); default: in-process timers. */
  readonly queue?: JobQueue;
}

/** The cross-tenant jobs of the health services on the server's queue. */
export const HEALTH_JOBS = Object.freeze({ evaluate: 'tenantry.health.evaluate-alerts', notify: 'tenantry.health.notify', prune: 'tenantry.health.prune-activity' });

const HOUR_MS = 3_600_000;

export interface RunningHealthServices {
  readonly services: HealthServices;
  /** Stops alert evaluation and writes the buffered activity. Call after HTTP closed, before the pool ends. */
  close(): Promise<void>;
}

/**
 * @example
 * const health = startHealthServices(database.operator, { logger });
 * const app = buildApp({ …, api: { …, health: health.services } });
 * await app.close(); await health.close(); await database.close();
 */
export function startHealthServices(operator: SqlPool, options: HealthServicesOptions): RunningHealthServices {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const activity = createActivityRecorder({ operator, clock, onFlushError: (err) => logger.warn({ err }, 'activity flush failed; kept for the next one') });
  const reports = createTenantHealth({
    operator,
    clock,
    ...(options.windowMinutes === undefined ? {} : { windowMinutes: options.windowMinutes }),
    ...(options.quotaPressure ? { quotaPressure: options.quotaPressure } : {}),
    ...(options.failedJobs ? { failedJobs: options.failedJobs } : {}),
    onQuotaError: (err) => logger.warn({ err }, 'quota pressure unavailable'),
  });
  const intervalMs = options.alertIntervalMs ?? 60_000;
  const retentionMs = (options.activityRetentionDays ?? 90) * 86_400_000;
  const { queue } = options;
  // One attempt per send: on the queue, the queue retries (with backoff); without it, the
  // sender's own retries.
  const send = options.webhook
    ? alertWebhook({ ...options.webhook, clock, ...(queue ? { maxAttempts: 1 } : {}), onError: ({ attempt, final, error }) => logger.warn({ err: error, attempt, final }, 'alert webhook delivery failed') })
    : undefined;
  const notify = send === undefined ? undefined : queue === undefined ? send : async (payload: Readonly<Record<string, unknown>>) => {
    const { type, alert } = payload as { type: string; alert: { id: string } };
    // Plain JSON (dates as strings), once per alert and transition.
    await runWithoutTenant(() => queue.enqueue(HEALTH_JOBS.notify, JSON.parse(JSON.stringify(payload)) as JsonValue, { idempotencyKey: `${type}:${alert.id}` }));
    return true;
  };
  const evaluator = createAlertEvaluator({
    operator, health: reports, rules: options.rules ?? DEFAULT_ALERT_RULES, clock,
    ...(notify ? { notify } : {}),
    intervalMs,
    onError: (err) => logger.warn({ err }, 'alert evaluation failed'),
  });
  const prune = async () => {
    const deleted = await pruneActivity(operator, new Date(clock.now().getTime() - retentionMs));
    if (deleted > 0) logger.debug({ deleted }, 'old activity pruned');
  };
  const timers: NodeJS.Timeout[] = [];
  if (queue === undefined) {
    evaluator.start();
    timers.push(setInterval(() => { prune().catch((err: unknown) => logger.warn({ err }, 'pruning activity failed')); }, HOUR_MS));
  } else {
    queue.define(HEALTH_JOBS.evaluate, { crossTenant: true, concurrency: 1, retry: { limit: 1, delayMs: 1000 }, handler: async () => { await evaluator.evaluate(); } });
    queue.define(HEALTH_JOBS.prune, { crossTenant: true, concurrency: 1, handler: prune });
    queue.define<Record<string, JsonValue>>(HEALTH_JOBS.notify, {
      crossTenant: true, concurrency: 1, retry: { limit: 5, delayMs: 5000, backoff: true },
      handler: async (payload) => { if (send !== undefined && !(await send(payload))) throw new Error('the alert webhook did not accept the notification'); },
    });
    // Each period's job has one key (its period's number): whichever server enqueues it first runs it.
    const schedule = (name: string, everyMs: number) => {
      const enqueue = () => runWithoutTenant(() => queue.enqueue(name, {}, { idempotencyKey: `${name}:${Math.floor(clock.now().getTime() / everyMs)}` }))
        .catch((err: unknown) => logger.warn({ err, job: name }, 'scheduling a health job failed'));
      timers.push(setInterval(() => { void enqueue(); }, everyMs));
    };
    schedule(HEALTH_JOBS.evaluate, intervalMs);
    schedule(HEALTH_JOBS.prune, HOUR_MS);
  }
  for (const timer of timers) timer.unref();
  let closing: Promise<void> | undefined;
  return {
    services: { activity, reports, analytics: createTenantAnalytics({ operator, clock }), alerts: createAlertEvents({ operator, clock }) },
    close: () => (closing ??= (async () => {
      for (const timer of timers) clearInterval(timer);
      await evaluator.stop();
      const { requests } = await activity.close();
      logger.debug({ requests }, 'activity flushed');
    })()),
  };
}
