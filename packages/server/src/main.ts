// Starts the control plane: config → database wiring → HTTP app → listen, and shuts it all down
// again (HTTP first, then the pools, then an embedded PostgreSQL) on SIGINT or SIGTERM.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { coreErrors, systemClock, type Clock, type TenantId } from 'tenantry';
import type { TObject } from '@sinclair/typebox';
import { createAlertWebhook } from 'tenantry/control';
import { localKeyProvider, parseMasterKey } from 'tenantry/crypto';
import { jwtVerifierByIssuer } from 'tenantry/resolve';
import { combineObservers } from 'tenantry/observability';
import { buildApp } from './app.js';
import { openChangeFeed } from './change-feed.js';
import { parseAlertRules, type ServerConfig } from './config.js';
import { startBillingScheduler, type BillingScheduler } from './database/billing-scheduler.js';
import { startHealthServices } from './database/health-services.js';
import { quotaPressureReader } from './database/quota-pressure.js';
import { openDatabase, type ServerDatabase } from './database/open-database.js';
import { jwtVerifierFromConfig } from './http/jwt-from-config.js';
import { identityServices } from './http/identity-services.js';
import { mobilityApi } from './http/mobility-api.js';
import { serverRateLimit } from './http/rate-limit.js';
import { serverTelemetry } from './http/telemetry.js';
import { createLogger } from './logger.js';
import { DEFAULT_SETTINGS_SCHEMA } from './settings-schema.js';

export interface StartServerOptions {
  /** Signals that start a graceful shutdown. Default SIGINT and SIGTERM; tests pass []. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Default: a JSON logger on stdout at `config.logLevel`. */
  readonly logger?: Logger;
  /** The tenants' settings (TypeBox, with defaults). Default DEFAULT_SETTINGS_SCHEMA (settings-schema.ts). */
  readonly settingsSchema?: TObject;
  /** The features each plan turns on or off (the plan catalog's), for the tenants' feature flags. */
  readonly planFeatures?: (plan: string) => Readonly<Record<string, boolean>>;
  /**
   * The one source of "now" for the whole server: tenants' times, billing periods, expiries of
   * keys, invitations, impersonations and JWTs, health windows, analytics, webhook signatures.
   * Default: the system clock; tests pass a test clock (`tenantry/testing`).
   */
  readonly clock?: Clock;
}

/** How a shutdown ended: `failed` when closing HTTP, the pools or PostgreSQL threw (logged). */
export type ShutdownOutcome = 'clean' | 'failed';

export interface RunningServer {
  /** e.g. http://127.0.0.1:3000 (the real port when config.port is 0). */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly database: ServerDatabase;
  /** Settles due trials and grace periods and closes ended periods every TENANTRY_BILLING_TICK_SECONDS (tick() runs one pass now). */
  readonly billingScheduler: BillingScheduler;
  /** Stops accepting connections, lets requests in flight finish, then closes the database. Idempotent. */
  close(): Promise<ShutdownOutcome>;
  /** Settles when a shutdown (by signal or close()) has finished. */
  readonly closed: Promise<ShutdownOutcome>;
}

const LISTEN_ERRORS: Record<string, { path: 'PORT' | 'HOST'; reason: string }> = {
  EADDRINUSE: { path: 'PORT', reason: 'is already in use on this host' },
  EACCES: { path: 'PORT', reason: 'needs privileges this process does not have' },
  EADDRNOTAVAIL: { path: 'HOST', reason: 'is not an address of this machine' },
  ENOTFOUND: { path: 'HOST', reason: 'does not resolve' },
};

async function listen(app: FastifyInstance, config: ServerConfig): Promise<number> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (cause) {
    const known = LISTEN_ERRORS[(cause as { code?: string }).code ?? ''];
    if (!known) throw cause;
    const value = known.path === 'PORT' ? config.port : config.host;
    throw coreErrors.create('CONFIG_INVALID', { message: `${known.path} ${value} ${known.reason}.`, details: { ...known }, cause });
  }
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : config.port;
}

/**
 * @example
 * const server = await startServer(loadConfig());
 * await server.closed; // after SIGINT/SIGTERM
 */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  // Before the database: a bad JWT setting must not leave an embedded PostgreSQL running.
  const jwtVerifier = jwtVerifierFromConfig(config, clock);
  const alertSender = config.usageWebhookUrl !== undefined && config.usageWebhookSecret !== undefined
    ? createAlertWebhook({ url: config.usageWebhookUrl, secret: config.usageWebhookSecret, clock }) : undefined;
  const settingsSchema = options.settingsSchema ?? DEFAULT_SETTINGS_SCHEMA;
  const changes = openChangeFeed(config, logger);
  const { databaseObserver, ...telemetry } = serverTelemetry(config);
  // Database time per tenant into the activity rollups (health's dbLoad, hot-tenant alerts;
  // docs/noisy-neighbours.md). The recorder starts after the database, hence the late binding.
  const activitySink: { record?: (tenantId: TenantId, durationMs: number) => void } = {};
  const activityObserver = { onStatement: (event: { tenantId: TenantId; durationMs: number }) => activitySink.record?.(event.tenantId, event.durationMs) };
  const database = await openDatabase(config, { logger, clock, jobs: 'work', observer: combineObservers(databaseObserver, activityObserver), control: { settingsSchema, changeFeed: changes.feed, cache: { onError: changes.onCacheError }, ...(options.planFeatures ? { planFeatures: options.planFeatures } : {}) } }).catch(async (err: unknown) => {
    await changes.close();
    throw err;
  });
  const { registry, db, control } = database;
  const jobs = await database.jobs().catch(async (err: unknown) => {
    await database.close();
    await changes.close();
    throw err;
  });
  const identity = config.ssoPublicUrl !== undefined && config.ssoMasterKey !== undefined
    ? await identityServices({
      db, operator: database.operator, members: control.members, clock, publicUrl: config.ssoPublicUrl, audience: config.ssoPublicUrl,
      keyProvider: localKeyProvider({ keys: { sso: parseMasterKey(config.ssoMasterKey) } }),
    }).catch(async (err: unknown) => {
      await database.close();
      await changes.close();
      throw err;
    })
    : undefined;
  // Tenantry's own tokens are accepted beside the configured issuer's.
  const tenantJwtVerifier = identity === undefined ? jwtVerifier : jwtVerifierByIssuer([
    { issuer: config.ssoPublicUrl as string, verifier: identity.verifier },
    ...(jwtVerifier && config.jwtIssuer !== undefined ? [{ issuer: config.jwtIssuer, verifier: jwtVerifier }] : []),
  ]);
  telemetry.metrics?.observePools({ app: () => database.app.stats?.(), operator: () => database.operator.stats?.() });
  // Usage alerts go out from the job queue: to the operator's webhook (when set) and the tenants' endpoints.
  jobs.setAlertSender(alertSender);
  telemetry.metrics?.observeAdmission(() => database.admission.stats());
  telemetry.metrics?.observeCaches({ tenants: () => registry.lookupStats() });
  const quota = { quotas: database.quotas, operator: database.operator };
  const rateLimit = serverRateLimit(config, logger, { catalog: database.quotas.catalog });
  const health = startHealthServices(database.operator, {
    logger,
    clock,
    quotaPressure: quotaPressureReader(db, database.quotas),
    failedJobs: () => jobs.queue.failedCounts(),
    queue: jobs.queue,
    windowMinutes: config.healthWindowMinutes,
    ...(config.alertRules === undefined ? {} : { rules: parseAlertRules(config.alertRules) }),
    ...(config.alertWebhookUrl && config.alertWebhookSecret ? { webhook: { url: config.alertWebhookUrl, secret: config.alertWebhookSecret } } : {}),
  });
  activitySink.record = (tenantId, durationMs) => health.services.activity.recordDatabase(tenantId, durationMs);
  const billingScheduler = startBillingScheduler(database.billing, { logger, intervalMs: config.billingTickSeconds * 1000 });
  const app = buildApp({
    operator: database.operator,
    logger,
    telemetry,
    readinessChecks: rateLimit.ping ? [{ name: 'redis', check: rateLimit.ping }] : [],
    deadlines: { tenant: config.tenantDeadlineMs, operator: config.operatorDeadlineMs, export: config.exportDeadlineMs },
    api: { registry, db, control, quota, billing: database.billing, settingsSchema, operator: database.operator, rateLimit: rateLimit.options, health: health.services, clock, ...(tenantJwtVerifier ? { jwtVerifier: tenantJwtVerifier } : {}), ...(identity ? { identity: identity.api } : {}), ...(telemetry.metrics ? { metrics: telemetry.metrics } : {}), jobs: { queue: jobs.queue, webhooks: jobs.webhooks }, mobility: mobilityApi(config, database.app) },
  });
  let port: number;
  try {
    // The queue's workers (webhook and usage-alert deliveries, jobs a crash left in flight) start with the server.
    await jobs.work();
    port = await listen(app, config);
  } catch (err) {
    await app.close().catch(() => {});
    await rateLimit.close();
    await health.close().catch(() => {});
    await billingScheduler.close();
    await database.close();
    await changes.close();
    throw err;
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let closing: Promise<ShutdownOutcome> | undefined;
  let settle: (outcome: ShutdownOutcome) => void = () => {};
  const closed = new Promise<ShutdownOutcome>((resolve) => (settle = resolve));

  async function shutdown(): Promise<ShutdownOutcome> {
    for (const signal of signals) process.removeListener(signal, onSignal);
    let outcome: ShutdownOutcome = 'clean';
    // In this order: no request may start on a pool that is already ending.
    await app.close().catch((err: unknown) => { outcome = 'failed'; logger.error({ err }, 'closing HTTP failed'); });
    await rateLimit.close();
    // After HTTP (no request records any more), before the pools end: the last activity is written.
    await health.close().catch((err: unknown) => { outcome = 'failed'; logger.error({ err }, 'flushing activity failed'); });
    await billingScheduler.close();
    await database.close().catch((err: unknown) => { outcome = 'failed'; logger.error({ err }, 'closing the database failed'); });
    await changes.close();
    logger.info({ outcome }, 'tenantry stopped');
    settle(outcome);
    return outcome;
  }
  const close = () => (closing ??= shutdown());

  function onSignal(signal: NodeJS.Signals): void {
    logger.info({ signal }, 'shutting down');
    // A request or a connection that never ends must not keep the process alive forever.
    const force = setTimeout(() => {
      logger.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    void close().finally(() => clearTimeout(force));
  }
  for (const signal of signals) process.on(signal, onSignal);

  logger.info({ url, database: database.location, migrationsApplied: database.migrations.applied, changeFeed: changes.kind }, 'tenantry listening');
  return { url, port, app, database, billingScheduler, close, closed };
}
