// The health capability wired over the operator pool: activity recorder, analytics, health
// reports, alert events and a periodic alert evaluator, with one close() for shutdown.
import type { Logger } from 'pino';
import { systemClock, type Clock } from 'tenantry';
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
  /** Default 60 000 ms. */
  readonly alertIntervalMs?: number;
  /** Activity buckets older than this are deleted, hourly. Default 90 (the longest analytics window is 366 days on request; 90 is the default growth window). */
  readonly activityRetentionDays?: number;
  /** "Now" for activity buckets, health windows, analytics, alerts and pruning. Default: the system clock. */
  readonly clock?: Clock;
}

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
    onQuotaError: (err) => logger.warn({ err }, 'quota pressure unavailable'),
  });
  const notify = options.webhook
    ? alertWebhook({ ...options.webhook, clock, onError: ({ attempt, final, error }) => logger.warn({ err: error, attempt, final }, 'alert webhook delivery failed') })
    : undefined;
  const evaluator = createAlertEvaluator({
    operator, health: reports, rules: options.rules ?? DEFAULT_ALERT_RULES, clock,
    ...(notify ? { notify } : {}),
    ...(options.alertIntervalMs === undefined ? {} : { intervalMs: options.alertIntervalMs }),
    onError: (err) => logger.warn({ err }, 'alert evaluation failed'),
  });
  evaluator.start();
  const retentionMs = (options.activityRetentionDays ?? 90) * 86_400_000;
  const prune = setInterval(() => {
    pruneActivity(operator, new Date(clock.now().getTime() - retentionMs))
      .then((deleted) => { if (deleted > 0) logger.debug({ deleted }, 'old activity pruned'); })
      .catch((err: unknown) => logger.warn({ err }, 'pruning activity failed'));
  }, HOUR_MS);
  prune.unref();
  let closing: Promise<void> | undefined;
  return {
    services: { activity, reports, analytics: createTenantAnalytics({ operator, clock }), alerts: createAlertEvents({ operator, clock }) },
    close: () => (closing ??= (async () => {
      clearInterval(prune);
      await evaluator.stop();
      const { requests } = await activity.close();
      logger.debug({ requests }, 'activity flushed');
    })()),
  };
}
