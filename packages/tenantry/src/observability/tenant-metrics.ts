// Per-tenant Prometheus metrics (prom-client, an optional peer): requests, latency, errors by
// code, rate-limit and quota rejections, database time, usage gauges, pool and process metrics,
// in a registry of their own, with the tenant label bounded to the top N tenants plus `other`.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { coreErrors } from '../core/index.js';
import type { AdmissionStats, SqlPoolStats, TenantDatabaseObserver } from '../postgres/index.js';

/** A per-instance cache's size and effect (the shape of `TenantCache.stats()`). */
export interface CacheStats {
  readonly entries: number;
  readonly maxEntries: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}
import { HistogramSeries, LabelledMetric } from './labelled-metric.js';
import { TenantLabels, OTHER_TENANTS } from './tenant-labels.js';

/** The tenant label value of work done outside any tenant (operator routes, probes). */
export const NO_TENANT = 'none';

export interface TenantMetricsOptions {
  /** Default: a new Registry (never prom-client's global one, so many instances can coexist). */
  readonly registry?: Registry;
  /** N: tenants that get their own label value; the rest are `other`. Default 20. */
  readonly topTenants?: number;
  /** Counters of the heavy-hitters summary. Default max(10·N, 100). */
  readonly trackedTenants?: number;
  /** How often the labelled tenants are re-evaluated. Default 600,000 (10 minutes). */
  readonly relabelIntervalMs?: number;
  /** Observed requests and statements a tenant needs (guaranteed) before it may take a label. Default 10. */
  readonly admitAfter?: number;
  /** `on` (default): prom-client's process and Node.js metrics (CPU, memory, event-loop lag, GC). */
  readonly processMetrics?: 'on' | 'off';
  /** Monotonic milliseconds, for tests. Default `performance.now`. */
  readonly nowMs?: () => number;
}

export interface TenantMetrics {
  readonly registry: Registry;
  /** The Content-Type of {@link TenantMetrics.exposition}'s text. */
  readonly contentType: string;
  /** Pass to `createTenantDatabase({ observer })`: database time, statement errors, transactions. */
  readonly databaseObserver: TenantDatabaseObserver;
  /**
   * Records one finished request. `route` must be the route's template (`/v1/tenant/members/:id`),
   * never the raw URL, and `tenantId` undefined outside a tenant.
   */
  observeRequest(tenantId: string | undefined, method: string, route: string, statusCode: number, durationSeconds: number): void;
  /**
   * Records an error answer by its code; RATE_LIMITED and QUOTA_EXCEEDED also count as
   * rate-limit and quota rejections.
   */
  countError(tenantId: string | undefined, code: string): void;
  /**
   * Sets a tenant's usage of a meter (for the quota engine). Only tenants holding their own
   * label are recorded: a sum over `other` would mean nothing for a gauge.
   */
  setUsage(tenantId: string, meter: string, value: number): void;
  /** Reports these pools' sizes at every scrape (the functions are called then, not before). */
  observePools(pools: Readonly<Record<string, () => SqlPoolStats | undefined>>): void;
  /**
   * Reports these caches at every scrape: entries and their bound, hits, misses and evictions
   * (docs/noisy-neighbours.md: sizing the caches for many tenants).
   */
  observeCaches(caches: Readonly<Record<string, () => CacheStats | undefined>>): void;
  /** Reports fair admission at every scrape: connections handed out, callers and tenants waiting. */
  observeAdmission(stats: () => AdmissionStats): void;
  /** The label value `tenantId` has now. */
  tenantLabel(tenantId: string | undefined): string;
  /** Re-evaluates the labelled tenants now instead of at the next interval (tests, operators). */
  relabel(): void;
  /** The Prometheus text exposition of the registry. */
  exposition(): Promise<string>;
}

const KNOWN = ['registry', 'topTenants', 'trackedTenants', 'relabelIntervalMs', 'admitAfter', 'processMetrics', 'nowMs'];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];
// Codes are constants of the error registries; anything else is not a code and not a label.
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

function integer(value: number | undefined, fallback: number, min: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: `an integer from ${min} to ${max}` } });
  }
  return value;
}

/**
 * @example
 * const metrics = createTenantMetrics({ topTenants: 20 });
 * const db = createTenantDatabase({ pool, observer: metrics.databaseObserver });
 * app.get('/metrics', async () => metrics.exposition());
 */
export function createTenantMetrics(options: TenantMetricsOptions = {}): TenantMetrics {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: key, reason: 'unknown option' } });
  }
  const registry = options.registry ?? new Registry();
  const topTenants = integer(options.topTenants, 20, 0, 10_000, 'topTenants');
  const labels = new TenantLabels({
    topTenants,
    trackedTenants: integer(options.trackedTenants, Math.max(10 * topTenants, 100), Math.max(topTenants, 1), 1_000_000, 'trackedTenants'),
    relabelIntervalMs: integer(options.relabelIntervalMs, 600_000, 1, 2 ** 31 - 1, 'relabelIntervalMs'),
    admitAfter: integer(options.admitAfter, 10, 1, 2 ** 31 - 1, 'admitAfter'),
    ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
  });
  const registers = [registry];
  if ((options.processMetrics ?? 'on') === 'on') collectDefaultMetrics({ register: registry });

  const counter = (name: string, help: string, labelNames: string[]) => new LabelledMetric(name, help, 'counter', labelNames);
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new LabelledMetric<HistogramSeries>(name, help, 'histogram', labelNames, buckets);
  const requests = counter('tenantry_http_requests_total', 'HTTP requests answered, by tenant, method, route template and status code.', ['tenant', 'method', 'route', 'status']);
  const latency = histogram('tenantry_http_request_duration_seconds', 'HTTP request duration, by tenant, method and route template.', ['tenant', 'method', 'route'], LATENCY_BUCKETS);
  const errors = counter('tenantry_http_errors_total', 'Error answers (application/problem+json), by tenant and error code.', ['tenant', 'code']);
  const rateLimited = counter('tenantry_rate_limit_rejections_total', 'Requests refused with RATE_LIMITED, by tenant.', ['tenant']);
  const quotaExceeded = counter('tenantry_quota_rejections_total', 'Requests refused with QUOTA_EXCEEDED, by tenant.', ['tenant']);
  const statementTime = histogram('tenantry_db_statement_duration_seconds', 'Tenant statement duration (the _sum is database time), by tenant.', ['tenant'], DB_BUCKETS);
  const statementErrors = counter('tenantry_db_statement_errors_total', 'Tenant statements that failed, by tenant.', ['tenant']);
  const transactions = histogram('tenantry_db_transaction_duration_seconds', 'Explicit tenant transactions, by tenant and outcome (commit, rollback).', ['tenant', 'outcome'], LATENCY_BUCKETS);
  const usage = new LabelledMetric('tenantry_tenant_usage', 'Usage of a metered resource, set by the quota engine, for labelled tenants only.', 'gauge', ['tenant', 'meter']);
  const all = [requests, latency, errors, rateLimited, quotaExceeded, statementTime, statementErrors, transactions, usage];
  // prom-client types registerMetric for its own classes; the Registry reads only name, get()
  // and reset(), which LabelledMetric has (its rendering is tested against prom-client's).
  for (const metric of all) registry.registerMetric(metric as never);
  new Gauge({
    name: 'tenantry_metrics_labelled_tenants',
    help: 'Tenants holding their own tenant label value now (at most the configured top N).',
    registers,
    collect() {
      this.set(labels.labelled().length);
    },
  });

  // A tenant that lost its label loses its series too: the exposition then never names more
  // than N tenants, whatever happened before. (Its traffic counts under `other` from now on.)
  labels.onRelabel = (dropped) => {
    for (const tenant of dropped) for (const metric of all) metric.remove(tenant);
  };

  const observe = (tenantId: string | undefined) => (tenantId === undefined ? NO_TENANT : labels.observe(tenantId));
  const statusText = new Map<number, string>();
  const status = (code: number) => {
    let text = statusText.get(code);
    if (text === undefined) statusText.set(code, (text = String(code)));
    return text;
  };

  return {
    registry,
    contentType: registry.contentType,
    databaseObserver: {
      onStatement(event) {
        const tenant = labels.observe(event.tenantId);
        statementTime.series(tenant).observe(event.durationMs / 1000);
        if (event.error !== undefined) statementErrors.series(tenant).inc();
      },
      onTransaction(event) {
        transactions.series(labels.labelOf(event.tenantId), event.outcome).observe(event.durationMs / 1000);
      },
    },
    observeRequest(tenantId, method, route, statusCode, durationSeconds) {
      const tenant = observe(tenantId);
      requests.series(tenant, method, route, status(statusCode)).inc();
      latency.series(tenant, method, route).observe(durationSeconds);
    },
    countError(tenantId, code) {
      if (!CODE.test(code)) return;
      const tenant = tenantId === undefined ? NO_TENANT : labels.labelOf(tenantId);
      errors.series(tenant, code).inc();
      if (code === 'RATE_LIMITED') rateLimited.series(tenant).inc();
      else if (code === 'QUOTA_EXCEEDED') quotaExceeded.series(tenant).inc();
    },
    setUsage(tenantId, meter, value) {
      const tenant = labels.labelOf(tenantId);
      if (tenant !== OTHER_TENANTS) usage.series(tenant, meter).set(value);
    },
    observePools(pools) {
      const entries = Object.entries(pools);
      new Gauge({
        name: 'tenantry_db_pool_connections',
        help: 'Connections of a database pool, by pool and state (total, idle).',
        labelNames: ['pool', 'state'],
        registers,
        collect() {
          for (const [pool, stats] of entries) {
            const s = stats();
            if (s === undefined) continue;
            this.set({ pool, state: 'total' }, s.totalCount);
            this.set({ pool, state: 'idle' }, s.idleCount);
          }
        },
      });
      new Gauge({
        name: 'tenantry_db_pool_waiting',
        help: 'Callers waiting for a connection of a database pool.',
        labelNames: ['pool'],
        registers,
        collect() {
          for (const [pool, stats] of entries) {
            const s = stats();
            if (s !== undefined) this.set({ pool }, s.waitingCount);
          }
        },
      });
    },
    observeCaches(caches) {
      const entries = Object.entries(caches);
      const gauge = (name: string, help: string, read: (s: CacheStats) => number) => new Gauge({
        name, help, labelNames: ['cache'], registers,
        collect() {
          for (const [cache, stats] of entries) {
            const s = stats();
            if (s !== undefined) this.set({ cache }, read(s));
          }
        },
      });
      gauge('tenantry_cache_entries', 'Entries held by a per-instance cache.', (s) => s.entries);
      gauge('tenantry_cache_max_entries', 'The most entries a per-instance cache holds before it evicts.', (s) => s.maxEntries);
      // Monotonic since start, exposed as gauges read at scrape (use rate() on them all the same).
      gauge('tenantry_cache_hits', 'Reads a per-instance cache answered, since start.', (s) => s.hits);
      gauge('tenantry_cache_misses', 'Reads a per-instance cache sent to its source, since start.', (s) => s.misses);
      gauge('tenantry_cache_evictions', 'Entries a per-instance cache dropped to stay within its bound, since start.', (s) => s.evictions);
    },
    observeAdmission(stats) {
      new Gauge({
        name: 'tenantry_db_admission',
        help: 'Fair admission in front of the app pool: connections in use, callers waiting, tenants waiting.',
        labelNames: ['state'],
        registers,
        collect() {
          const s = stats();
          this.set({ state: 'in_use' }, s.inUse);
          this.set({ state: 'waiting' }, s.waiting);
          this.set({ state: 'tenants_waiting' }, s.tenantsWaiting);
        },
      });
    },
    tenantLabel: (tenantId) => (tenantId === undefined ? NO_TENANT : labels.labelOf(tenantId)),
    relabel: () => labels.onRelabel(labels.relabel()),
    exposition: () => registry.metrics(),
  };
}
