// The server's own background work on the job queue (tenantry/jobs on pg-boss, in the schema
// `tenantry_jobs` of the same database): tenant webhook deliveries and usage-alert deliveries,
// each a job that carries its tenant, retried with backoff and resumed after a crash (a job in
// flight when the process died runs again once its expiry lapses). pg-boss connects with the
// migration role's URL: it creates and migrates its own schema, as the migrations do Tenantry's;
// the jobs themselves reach tenant data only through the app role (`db`).
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Clock } from 'tenantry';
import { createTenantWebhooks, type ControlPlane, type TenantRegistry, type TenantWebhooks } from 'tenantry/control';
import { createJobQueue, type JobQueue } from 'tenantry/jobs';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';
import type { TenantDatabase } from 'tenantry/postgres';
import type { AlertSender, Quotas, UsageAlert } from 'tenantry/quota';
import type { ServerConfig } from '../config.js';

/** pg-boss's schema in the server's database. */
export const JOBS_SCHEMA = 'tenantry_jobs';
/** The job that sends a tenant's pending usage alerts (the operator's webhook and the tenant's own endpoints). */
export const USAGE_ALERTS_JOB = 'tenantry.usage-alerts';

export interface ServerJobs {
  readonly queue: JobQueue;
  readonly webhooks: TenantWebhooks;
  /** Sets where usage alerts go besides the tenants' own endpoints (the server's TENANTRY_USAGE_WEBHOOK_URL). */
  setAlertSender(sender: AlertSender | undefined): void;
  /** Starts working the queue in this process (the server; CLI commands only enqueue and read). */
  work(): Promise<void>;
  /** Stops working (jobs in flight finish), then pg-boss (and its schema stays, with the jobs not yet run). */
  close(): Promise<void>;
}

export interface ServerJobsOptions {
  readonly adminUrl: string;
  readonly config: Pick<ServerConfig, 'webhookPrivateTargets' | 'webhookTimeoutMs' | 'webhookRetries' | 'webhookRetryDelayMs' | 'webhookDisableAfterFailures'>;
  readonly registry: TenantRegistry;
  readonly db: TenantDatabase;
  readonly control: ControlPlane;
  readonly quotas: Quotas;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `work`: the server (maintenance on, expired jobs found); `enqueue`: a CLI command. */
  readonly mode: 'work' | 'enqueue';
}

/** The tenant-webhook body of a usage alert (what alertWebhookBody sends the operator, without the tenant id, which the envelope names). */
function alertData(alert: UsageAlert): Record<string, unknown> {
  return { id: alert.id, meter: alert.meter, period: alert.period, alert: alert.alert, used: alert.used, limit: alert.limit, createdAt: alert.createdAt.toISOString() };
}

/**
 * @example
 * const jobs = await openServerJobs({ adminUrl, config, registry, db, control, quotas, clock, logger, mode: 'work' });
 * await jobs.work();
 */
export async function openServerJobs(options: ServerJobsOptions): Promise<ServerJobs> {
  const { config, db, quotas, logger } = options;
  const boss = new PgBoss({
    connectionString: options.adminUrl,
    schema: JOBS_SCHEMA,
    max: 4,
    application_name: 'tenantry-jobs',
    // A CLI command neither supervises (expiry, archiving) nor schedules: the server does.
    supervise: options.mode === 'work',
    schedule: false,
    // Failed jobs stay visible (and retryable) for a week before pg-boss archives them.
    archiveFailedAfterSeconds: 7 * 86_400,
  });
  boss.on('error', (err: unknown) => logger.warn({ err }, 'job queue: pg-boss reported an error'));
  await boss.start();
  const queue = createJobQueue({
    backend: pgBossBackend({ boss, schema: JOBS_SCHEMA }),
    // The cached lookup: a suspension is seen within its TTL (the change feed drops it sooner).
    tenants: options.registry.lookup,
    clock: options.clock,
    onEvent: (event) => {
      if (event.type === 'failed') logger.warn({ job: event.name, jobId: event.jobId, attempt: event.attempt, tenantId: event.tenantId, final: event.final, err: event.error }, 'job attempt failed');
      else if (event.type === 'dead-lettered') logger.warn({ job: event.name, jobId: event.jobId, reason: event.reason }, 'job dead-lettered');
    },
  });
  const webhooks = createTenantWebhooks({
    signingSecrets: options.control.signingSecrets,
    queue,
    db,
    clock: options.clock,
    privateTargets: config.webhookPrivateTargets,
    timeoutMs: config.webhookTimeoutMs,
    retries: config.webhookRetries,
    retryDelayMs: config.webhookRetryDelayMs,
    disableAfterFailures: config.webhookDisableAfterFailures,
  });
  let alertSender: AlertSender | undefined;
  queue.define(USAGE_ALERTS_JOB, {
    // Alerts a failed send left claimed are claimed again after a minute: retry after that.
    retry: { limit: 5, delayMs: 60_000, backoff: true },
    concurrency: 2,
    handler: async () => {
      const { failed } = await db.withCurrentTenant((scope) => quotas.deliverAlerts(scope, async (alert) => {
        // The tenant's own endpoints first (idempotent per alert), then the operator's webhook.
        await webhooks.emit(scope, 'usage.alert', alertData(alert), { eventId: `usage_alert_${alert.id}` });
        await alertSender?.(alert);
      }));
      if (failed > 0) throw new Error(`${failed} usage alert(s) not delivered`);
    },
  });
  let closing: Promise<void> | undefined;
  return {
    queue,
    webhooks,
    setAlertSender: (sender) => { alertSender = sender; },
    work: () => queue.start(),
    close: () => (closing ??= (async () => {
      await queue.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    })()),
  };
}
