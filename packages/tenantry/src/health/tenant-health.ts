// Per-tenant health over a recent window: 5xx rate, p95 latency and quota pressure, each
// compared with thresholds into ok / degraded / failing. Read from the activity rollups.
import { coreErrors, parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool, SqlQueryable } from '../postgres/index.js';
import { ACTIVITY_BUCKET_MS } from './activity-recorder.js';
import { histogramQuantile, LATENCY_BUCKETS } from './activity-histogram.js';
import { integerInRange } from './analytics-query.js';
import { healthErrors } from './errors.js';
import { auditedRead, type OperatorReader } from './operator-actions.js';

export type HealthStatus = 'ok' | 'degraded' | 'failing';
export const HEALTH_METRICS = ['errorRate', 'p95Ms', 'quotaPressure', 'dbLoad'] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number];

/** A metric at or above `degraded` makes a tenant degraded; at or above `failing`, failing. */
export interface Threshold { readonly degraded: number; readonly failing: number }
export type HealthThresholds = Readonly<Record<HealthMetric, Threshold>>;

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = Object.freeze({
  errorRate: Object.freeze({ degraded: 0.05, failing: 0.25 }),
  p95Ms: Object.freeze({ degraded: 1000, failing: 5000 }),
  quotaPressure: Object.freeze({ degraded: 0.9, failing: 1 }),
  // Connections kept busy on average: the free plan may hold 2 (docs/noisy-neighbours.md).
  dbLoad: Object.freeze({ degraded: 1, failing: 2 }),
});

/** A tenant of the report, as the quota reader sees it. */
export interface HealthSubject { readonly id: TenantId; readonly slug: string; readonly plan: string }

/**
 * The quota capability's answer: per tenant, the highest used/limit ratio over its meters
 * (1 = at a limit), or null when it has no limits. Injected: health does not own quotas.
 */
export type QuotaPressureReader = (tenants: readonly HealthSubject[]) => Promise<ReadonlyMap<string, number | null>>;

export interface TenantHealthOptions {
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** The window health looks back over, rounded out to whole 5-minute buckets. Default 15. */
  readonly windowMinutes?: number;
  readonly thresholds?: Partial<Record<HealthMetric, Threshold>>;
  /** Below this many requests in the window, error rate and p95 do not change the status. Default 10. */
  readonly minRequests?: number;
  /** Default: none (quotaPressure is null for every tenant). */
  readonly quotaPressure?: QuotaPressureReader;
  /**
   * Failed background jobs per tenant id (a job queue's `failedCounts`); default none
   * (failedJobs is null). A failing reader makes failedJobs null, not the report fail.
   */
  readonly failedJobs?: () => Promise<ReadonlyMap<string, number>>;
  /** A failing quota reader makes quotaPressure null, not the report fail; this hears about it (and about a failing failedJobs reader). */
  readonly onQuotaError?: (err: unknown) => void;
}

export interface TenantHealth {
  readonly tenantId: string;
  readonly slug: string;
  readonly status: HealthStatus;
  /** 5xx answers / requests in the window; 0 without requests. */
  readonly errorRate: number;
  /** Interpolated from the latency histogram (error ≤ the width of its bucket); null without requests. */
  readonly p95Ms: number | null;
  readonly quotaPressure: number | null;
  /**
   * Database time in the window ÷ the window's length: how many connections the tenant kept
   * busy on average (0 without database time recorded). A hot tenant stands out by it.
   */
  readonly dbLoad: number;
  readonly requests: number;
  /** Failed background jobs of the tenant still on record (retryable); null when no job queue is wired in, or it did not answer. */
  readonly failedJobs: number | null;
}

/** A report's measurement, with the plan alert rules may be scoped by. */
export interface TenantHealthMeasure extends TenantHealth { readonly plan: string }

export interface HealthWindow { readonly start: string; readonly end: string; readonly minutes: number }

export interface TenantHealthReports {
  /** Active tenants, failing first, then degraded, then by error rate. */
  list(query: { readonly limit?: number }, reader: OperatorReader): Promise<{ items: TenantHealth[]; window: HealthWindow }>;
  /** One tenant (any status but deleted); TENANT_NOT_FOUND otherwise. */
  get(tenantId: TenantId | string, reader: OperatorReader): Promise<TenantHealth & { window: HealthWindow }>;
  /** Every active tenant, unaudited: for the platform's own alert evaluation, not for people. */
  measure(): Promise<TenantHealthMeasure[]>;
  readonly thresholds: HealthThresholds;
}

interface Row { id: string; slug: string; plan: string; requests: number | null; server_errors: number | null; latency_counts: number[] | null; db_ms_sum: number | null }

const SELECT = `SELECT t.id, t.slug, t.plan, a.requests::float8 AS requests, a.server_errors::float8 AS server_errors, a.latency_counts::float8[] AS latency_counts, a.db_ms_sum
  FROM tenantry.tenants t
  LEFT JOIN tenantry.tenant_activity a ON a.subject_tenant = t.id AND a.bucket_start >= $1::timestamptz`;
const ALL_ACTIVE = `${SELECT} WHERE t.status = 'active' ORDER BY t.created_at, t.id`;
const ONE = `${SELECT} WHERE t.id = $2 AND t.status <> 'deleted'`;

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, failing: 2 };

function checkThresholds(input: TenantHealthOptions['thresholds']): HealthThresholds {
  const result = { ...DEFAULT_HEALTH_THRESHOLDS, ...input };
  for (const metric of HEALTH_METRICS) {
    const { degraded, failing } = result[metric];
    if (!Number.isFinite(degraded) || !Number.isFinite(failing) || degraded < 0 || failing < degraded) {
      throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: `thresholds.${metric}`, reason: 'needs finite numbers 0 ≤ degraded ≤ failing' } });
    }
  }
  return Object.freeze(result);
}

/**
 * The status of measured values: the worst over the metrics (error rate and p95 only count
 * with at least `minRequests` requests, so one failed request of an idle tenant is no outage).
 *
 * @example healthStatus({ errorRate: 0.3, p95Ms: 20, quotaPressure: null, dbLoad: 0.1, requests: 100 }, DEFAULT_HEALTH_THRESHOLDS, 10) // 'failing'
 */
export function healthStatus(values: Pick<TenantHealth, HealthMetric | 'requests'>, thresholds: HealthThresholds, minRequests: number): HealthStatus {
  let status: HealthStatus = 'ok';
  for (const metric of HEALTH_METRICS) {
    const value = values[metric];
    if (value === null) continue;
    // Quota pressure and database load are not rates over requests: a hot tenant with few requests is still hot.
    if (metric !== 'quotaPressure' && metric !== 'dbLoad' && values.requests < minRequests) continue;
    const { degraded, failing } = thresholds[metric];
    const level: HealthStatus = value >= failing ? 'failing' : value >= degraded ? 'degraded' : 'ok';
    if (RANK[level] > RANK[status]) status = level;
  }
  return status;
}

/**
 * @example
 * const health = createTenantHealth({ operator: operatorPool, windowMinutes: 15 });
 * const { items } = await health.list({}, { actor: 'operator:ann' });
 */
export function createTenantHealth(options: TenantHealthOptions): TenantHealthReports {
  const clock = options.clock ?? systemClock;
  const windowMinutes = integerInRange(options.windowMinutes, 'windowMinutes', 1, 24 * 60, 15);
  const minRequests = integerInRange(options.minRequests, 'minRequests', 0, 1_000_000_000, 10);
  const thresholds = checkThresholds(options.thresholds);

  function window(): HealthWindow {
    const end = clock.now().getTime();
    const from = end - windowMinutes * 60_000;
    return { start: new Date(from - (from % ACTIVITY_BUCKET_MS)).toISOString(), end: new Date(end).toISOString(), minutes: windowMinutes };
  }

  async function measureRows(rows: readonly Row[], w: HealthWindow): Promise<TenantHealthMeasure[]> {
    const windowMs = Math.max(1, Date.parse(w.end) - Date.parse(w.start));
    const byTenant = new Map<string, { subject: HealthSubject; requests: number; errors: number; dbMs: number; counts: number[] }>();
    for (const row of rows) {
      let entry = byTenant.get(row.id);
      if (!entry) {
        entry = { subject: { id: parseTenantId(row.id), slug: row.slug, plan: row.plan }, requests: 0, errors: 0, dbMs: 0, counts: new Array<number>(LATENCY_BUCKETS).fill(0) };
        byTenant.set(row.id, entry);
      }
      entry.requests += row.requests ?? 0;
      entry.errors += row.server_errors ?? 0;
      entry.dbMs += row.db_ms_sum ?? 0;
      row.latency_counts?.forEach((n, i) => { entry.counts[i] = (entry.counts[i] as number) + n; });
    }
    const subjects = [...byTenant.values()].map((e) => e.subject);
    let pressure: ReadonlyMap<string, number | null> = new Map();
    if (options.quotaPressure && subjects.length > 0) {
      try {
        pressure = await options.quotaPressure(subjects);
      } catch (err) {
        options.onQuotaError?.(err);
      }
    }
    let failed: ReadonlyMap<string, number> | undefined;
    if (options.failedJobs && subjects.length > 0) {
      try {
        failed = await options.failedJobs();
      } catch (err) {
        options.onQuotaError?.(err);
      }
    }
    return [...byTenant.values()].map((e) => {
      const values = {
        requests: e.requests,
        errorRate: e.requests === 0 ? 0 : e.errors / e.requests,
        p95Ms: histogramQuantile(e.counts, 0.95),
        quotaPressure: pressure.get(e.subject.id) ?? null,
        dbLoad: e.dbMs / windowMs,
      };
      return { tenantId: e.subject.id, slug: e.subject.slug, plan: e.subject.plan, status: healthStatus(values, thresholds, minRequests), ...values, failedJobs: failed === undefined ? null : failed.get(e.subject.id) ?? 0 };
    });
  }

  async function measureAll(db: SqlQueryable, w: HealthWindow): Promise<TenantHealthMeasure[]> {
    const { rows } = await db.query<Row>(ALL_ACTIVE, [w.start]);
    return measureRows(rows, w);
  }

  const publicView = ({ plan: _plan, ...health }: TenantHealthMeasure): TenantHealth => health;

  return {
    thresholds,
    async list(query, reader) {
      const limit = integerInRange(query.limit, 'limit', 1, 1000, 100);
      const w = window();
      const measured = await auditedRead(options.operator, clock, reader, { action: 'health.list', details: { limit } }, (c) => measureAll(c, w));
      measured.sort((a, b) => RANK[b.status] - RANK[a.status] || b.errorRate - a.errorRate || a.slug.localeCompare(b.slug));
      return { items: measured.slice(0, limit).map(publicView), window: w };
    },
    async get(tenantId, reader) {
      const id = parseTenantId(tenantId);
      const w = window();
      const [one] = await auditedRead(options.operator, clock, reader, { action: 'health.get', subjectTenant: id }, async (c) => {
        const { rows } = await c.query<Row>(ONE, [w.start, id]);
        return measureRows(rows, w);
      });
      if (!one) throw coreErrors.create('TENANT_NOT_FOUND');
      return { ...publicView(one), window: w };
    },
    measure: () => measureAll(options.operator, window()),
  };
}
