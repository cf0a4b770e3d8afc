// The control plane's database wiring: server (embedded or not) → migrations → app-role and
// operator-role pools → tenant database and registry. Request handling gets only the two role
// pools; the admin login is used for migrations (closed before this returns) and by the job
// queue's pg-boss, which creates and partitions its own schema (server-jobs.ts).
import type { Logger } from 'pino';
import { systemClock, type Clock } from 'tenantry';
import { createControlPlane, createTenantRegistry, quotaSeatCheck, type ControlPlane, type ControlPlaneOptions, type TenantRegistry } from 'tenantry/control';
import { createBilling, type Billing } from 'tenantry/billing';
import { createQuotas, planFeatures, type Quotas } from 'tenantry/quota';
import { createFairAdmission, createTenantDatabase, DEFAULT_ROLE_NAMES, roleUrl, type MigrateResult, type FairAdmission, type SqlPool, type TenantDatabase, type TenantDatabaseObserver } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import type { ServerConfig } from '../config.js';
import { loadPlanCatalog } from '../plans.js';
import { migrateDatabase } from './migrate-database.js';
import { paymentProviderFromConfig } from './payment-provider.js';
import { openServerJobs, type ServerJobs } from './server-jobs.js';
import { planLimits } from './plan-limits.js';
import { connectPostgresServer, type PostgresServerKind } from './postgres-server.js';

export interface ServerDatabase {
  readonly kind: PostgresServerKind;
  /** Where the server is, without credentials. */
  readonly location: string;
  readonly migrations: MigrateResult;
  /** App role: NOBYPASSRLS, every statement inside a tenant transaction. */
  readonly app: SqlPool;
  /** Operator role: the registry and other cross-tenant work. */
  readonly operator: SqlPool;
  readonly db: TenantDatabase;
  /** Fair admission in front of `app` (docs/noisy-neighbours.md), for metrics. */
  readonly admission: FairAdmission;
  readonly registry: TenantRegistry;
  /** Members, invitations, API keys, operators … over the same two pools. */
  readonly control: ControlPlane;
  /** Plans, quotas and metering; the members' seat limit is enforced by `control`. */
  readonly quotas: Quotas;
  /** Subscriptions and invoices over the operator pool (docs/billing.md). */
  readonly billing: Billing;
  /**
   * The job queue (pg-boss) with the server's own jobs, and the tenant webhooks delivered from
   * it: opened on first use (a CLI command that never needs it does not start pg-boss).
   */
  jobs(): Promise<ServerJobs>;
  /** The clock the registry, control plane and quotas were built with (OpenDatabaseOptions.clock). */
  readonly clock: Clock;
  /** Ends both pools, then stops the embedded server if one was started. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  readonly logger: Logger;
  /** Settings schema, change feed … for the control plane. */
  readonly control?: Pick<ControlPlaneOptions, 'settingsSchema' | 'changeFeed' | 'planFeatures' | 'flags' | 'cache'>;
  /** Database metrics and spans (http/telemetry.ts serverTelemetry). */
  readonly observer?: TenantDatabaseObserver | undefined;
  /** "Now" for tenants' times, expiries and billing periods. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Without DATABASE_URL, use the embedded PostgreSQL a running `tenantry start` keeps for the
   * same data directory instead of refusing (CLI commands; never `start` itself).
   */
  readonly attachToRunning?: boolean;
  /** `work`: this process works the job queue (the server); default `enqueue` (CLI commands). */
  readonly jobs?: 'work' | 'enqueue';
}

/**
 * @example
 * const database = await openDatabase(config, { logger });
 * try { await database.registry.create({ slug: 'acme' }); } finally { await database.close(); }
 */
export async function openDatabase(config: ServerConfig, options: OpenDatabaseOptions): Promise<ServerDatabase> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  // Before any server starts: a broken plan catalog must not leave an embedded PostgreSQL running.
  const quotas = createQuotas({ catalog: loadPlanCatalog(config.plansFile), clock });
  const server = await connectPostgresServer(config, logger, { attachToRunning: options.attachToRunning === true });
  let app: SqlPool | undefined;
  let operator: SqlPool | undefined;
  let control: ControlPlane | undefined;
  let registry: TenantRegistry | undefined;
  let billing: Billing | undefined;
  let jobs: Promise<ServerJobs> | undefined;
  const endAll = async () => {
    // Jobs first: a job in flight still needs the pools.
    await jobs?.then((opened) => opened.close(), () => undefined);
    await billing?.close();
    await control?.close();
    await registry?.close();
    const ended = await Promise.allSettled([app?.end(), operator?.end()]);
    await server.stop();
    const failure = ended.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  };
  try {
    const migrations = await migrateDatabase(server);
    logger.debug({ applied: migrations.applied, location: server.location }, 'database migrated');
    const { app: appRole, operator: operatorRole } = DEFAULT_ROLE_NAMES;
    app = pgPool({
      connectionString: roleUrl(server.adminUrl, appRole, server.rolePasswords.app),
      max: config.appPoolSize,
      // Bounds the wait for a pooled connection too (pg-pool): no request queues without end.
      connectionTimeoutMillis: config.poolAcquireTimeoutMs,
      application_name: 'tenantry-server',
    }, { preparedStatements: config.preparedStatements });
    operator = pgPool({
      connectionString: roleUrl(server.adminUrl, operatorRole, server.rolePasswords.operator),
      max: config.operatorPoolSize,
      connectionTimeoutMillis: config.poolAcquireTimeoutMs,
      application_name: 'tenantry-server',
    }, { preparedStatements: config.preparedStatements });
    // The registry announces changed tenants on the control plane's feed, and its lookup (the
    // tenant routes' resolver) caches tenants per instance when there is one.
    const feed = options.control?.changeFeed;
    // Fair admission always (no tenant takes more than its plan's share of the app pool while
    // others wait); plan timeouts and weights only with the feed, whose cached lookup makes
    // finding a tenant's plan a map hit rather than one more query per request.
    const admission = createFairAdmission({ capacity: config.appPoolSize, acquireTimeoutMs: config.poolAcquireTimeoutMs });
    const db = createTenantDatabase({
      pool: app,
      observer: options.observer,
      admission,
      limits: feed === undefined ? undefined : planLimits(() => registry?.lookup, quotas.catalog),
    });
    registry = createTenantRegistry({ operator, data: db, clock, ...(feed ? { changeFeed: feed } : {}), ...(options.control?.cache?.onError ? { cache: { onError: options.control.cache.onError } } : {}) });
    // Signing secrets are stored in plaintext until the server configures a key provider (the
    // signing-secret routes say so in docs/api.md).
    control = createControlPlane({
      db,
      operator,
      encryption: 'none',
      clock,
      seatCheck: quotaSeatCheck(quotas),
      // Flags default to what the tenant's plan sets in the catalog (unless the caller says otherwise).
      planFeatures: (plan) => planFeatures(quotas.catalog, plan),
      ...options.control,
    });
    // The entitlement (read-only after the grace period) is cached per instance like the tenant
    // record, and dropped everywhere through the same feed when billing changes it.
    const provider = paymentProviderFromConfig(config, clock);
    billing = createBilling({
      operator, catalog: quotas.catalog, registry, clock, issuer: config.billingIssuer, taxRatePpm: config.billingTaxRatePpm,
      gracePeriodMs: config.billingGraceDays * 86_400_000, degradeTo: config.billingDegradeTo,
      ...(provider ? { provider } : {}), ...(feed ? { changeFeed: feed } : {}), ...(options.control?.cache?.onError ? { cache: { onError: options.control.cache.onError } } : {}),
    });
    const openJobs = { adminUrl: server.adminUrl, config, registry, db, control, quotas, clock, logger, mode: options.jobs ?? 'enqueue' } as const;
    let closing: Promise<void> | undefined;
    return {
      jobs: () => {
        jobs ??= openServerJobs(openJobs);
        // A failed start is tried again by the next caller.
        jobs.catch(() => { jobs = undefined; });
        return jobs;
      },
      kind: server.kind,
      location: server.location,
      migrations,
      app,
      operator,
      db,
      admission,
      registry,
      control,
      quotas,
      billing,
      clock,
      close: () => (closing ??= endAll()),
    };
  } catch (err) {
    await endAll().catch((cleanup: unknown) => logger.warn({ err: cleanup }, 'cleanup after a failed start failed'));
    throw err;
  }
}
