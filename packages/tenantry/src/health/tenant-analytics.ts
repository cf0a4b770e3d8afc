// Cross-tenant analytics for operators: how tenants are distributed, how they grow and churn,
// how many are active, who uses the platform most or fails most, and when. Every read runs as
// the operator role and is recorded in tenantry.operator_actions first (operator-actions.ts).
import { systemClock, type Clock } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { integerInRange } from './analytics-query.js';
import { auditedRead, type OperatorReader } from './operator-actions.js';
import { healthErrors } from './errors.js';

export interface TenantAnalyticsOptions {
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** Tenants with fewer requests in the window are left out of "top by error rate". Default 20. */
  readonly minRequestsForErrorRate?: number;
}

export interface Distribution {
  readonly byStatus: Record<string, number>;
  readonly byPlan: Record<string, number>;
  readonly byTier: Record<string, number>;
  readonly byRegion: Record<string, number>;
}
export interface GrowthPoint { readonly day: string; readonly created: number; readonly churned: number }
export interface ActiveTenants { readonly d1: number; readonly d7: number; readonly d30: number }
export interface TopTenant { readonly tenantId: string; readonly slug: string; readonly value: number }
export interface HourPoint { readonly hour: number; readonly requests: number }
export type TopBy = 'usage' | 'errors';

export interface TenantAnalytics {
  /** Tenants by status (deleted ones included), and live ones (not deleted) by plan, tier and region. */
  distribution(reader: OperatorReader): Promise<Distribution>;
  /** Per UTC day of the last `days` (default 90, oldest first): tenants created, tenants that started offboarding or were deleted. */
  growth(query: { readonly days?: number }, reader: OperatorReader): Promise<{ points: GrowthPoint[] }>;
  /** Tenants that made at least one request in the last 1, 7 and 30 days. */
  active(reader: OperatorReader): Promise<ActiveTenants>;
  /** Live tenants with the most requests, or the highest 5xx rate, over the last `days` (default 7). */
  top(query: { readonly by: TopBy; readonly limit?: number; readonly days?: number }, reader: OperatorReader): Promise<{ items: TopTenant[] }>;
  /** Requests of all tenants per UTC hour of day (0–23, all present) over the last `days` (default 7). */
  usageByHour(query: { readonly days?: number }, reader: OperatorReader): Promise<{ points: HourPoint[] }>;
}

const DISTRIBUTION = `
  SELECT 'byStatus' AS dim, status AS key, count(*)::int AS n FROM tenantry.tenants GROUP BY status
  UNION ALL SELECT 'byPlan', plan, count(*)::int FROM tenantry.tenants WHERE status <> 'deleted' GROUP BY plan
  UNION ALL SELECT 'byTier', tier, count(*)::int FROM tenantry.tenants WHERE status <> 'deleted' GROUP BY tier
  UNION ALL SELECT 'byRegion', region, count(*)::int FROM tenantry.tenants WHERE status <> 'deleted' GROUP BY region`;

// A tenant churns on the day it starts offboarding (the first change that left it offboarding
// or deleted, from the registry's status history of migration 0009; tenants that left before
// that migration count on the day of their status then).
const GROWTH = `
  WITH days AS (
    SELECT d::date AS day FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC')::date - ($2::int - 1), ($1::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS d),
  created AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n FROM tenantry.tenants
    WHERE created_at >= ((($1::timestamptz AT TIME ZONE 'UTC')::date - ($2::int - 1))::timestamp AT TIME ZONE 'UTC') GROUP BY 1),
  left_at AS (
    SELECT subject_tenant, min(changed_at) AS left_on FROM tenantry.tenant_status_changes
    WHERE to_status IN ('offboarding', 'deleted') GROUP BY subject_tenant),
  churned AS (
    SELECT (left_on AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n FROM left_at
    WHERE left_on >= ((($1::timestamptz AT TIME ZONE 'UTC')::date - ($2::int - 1))::timestamp AT TIME ZONE 'UTC') GROUP BY 1)
  SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(created.n, 0) AS created, coalesce(churned.n, 0) AS churned
  FROM days LEFT JOIN created USING (day) LEFT JOIN churned USING (day) ORDER BY days.day`;

// Windows of N days are N × 24 hours back from now. Not `interval 'N days'`: subtracted from a
// timestamptz, a day follows the session's TimeZone, and across a daylight-saving change there it
// is 23 or 25 hours (https://www.postgresql.org/docs/current/functions-datetime.html).
const ACTIVE = `
  SELECT count(DISTINCT subject_tenant) FILTER (WHERE bucket_start >= $1::timestamptz - interval '24 hours')::int AS d1,
         count(DISTINCT subject_tenant) FILTER (WHERE bucket_start >= $1::timestamptz - interval '168 hours')::int AS d7,
         count(DISTINCT subject_tenant)::int AS d30
  FROM tenantry.tenant_activity WHERE bucket_start >= $1::timestamptz - interval '720 hours' AND requests > 0`;

const TOP_USAGE = `
  SELECT a.subject_tenant AS tenant_id, t.slug, sum(a.requests)::float8 AS value
  FROM tenantry.tenant_activity a JOIN tenantry.tenants t ON t.id = a.subject_tenant
  WHERE a.bucket_start >= $1::timestamptz - make_interval(hours => 24 * $2::int) AND t.status <> 'deleted'
  GROUP BY a.subject_tenant, t.slug HAVING sum(a.requests) > 0
  ORDER BY value DESC, tenant_id LIMIT $3`;

const TOP_ERRORS = `
  SELECT a.subject_tenant AS tenant_id, t.slug, (sum(a.server_errors)::float8 / sum(a.requests)::float8) AS value
  FROM tenantry.tenant_activity a JOIN tenantry.tenants t ON t.id = a.subject_tenant
  WHERE a.bucket_start >= $1::timestamptz - make_interval(hours => 24 * $2::int) AND t.status <> 'deleted'
  GROUP BY a.subject_tenant, t.slug HAVING sum(a.requests) >= greatest($4::int, 1) AND sum(a.server_errors) > 0
  ORDER BY value DESC, sum(a.server_errors) DESC, tenant_id LIMIT $3`;

// Added up per hour first, then joined to the 24 hours: one pass over the window's buckets.
const USAGE_BY_HOUR = `
  WITH by_hour AS (
    SELECT extract(hour FROM bucket_start AT TIME ZONE 'UTC')::int AS h, sum(requests) AS n
    FROM tenantry.tenant_activity WHERE bucket_start >= $1::timestamptz - make_interval(hours => 24 * $2::int) GROUP BY 1)
  SELECT g AS hour, coalesce(by_hour.n, 0)::float8 AS requests
  FROM generate_series(0, 23) AS g LEFT JOIN by_hour ON by_hour.h = g ORDER BY g`;

/**
 * @example
 * const analytics = createTenantAnalytics({ operator: operatorPool });
 * const { d7 } = await analytics.active({ actor: 'operator:ann', requestId });
 */
export function createTenantAnalytics(options: TenantAnalyticsOptions): TenantAnalytics {
  const { operator } = options;
  const clock = options.clock ?? systemClock;
  const minRequests = integerInRange(options.minRequestsForErrorRate, 'minRequestsForErrorRate', 1, 1_000_000_000, 20);
  const now = () => clock.now().toISOString();

  return {
    distribution: (reader) => auditedRead(operator, clock, reader, { action: 'analytics.distribution' }, async (c) => {
      const { rows } = await c.query<{ dim: keyof Distribution; key: string; n: number }>(DISTRIBUTION);
      const result: Distribution = { byStatus: {}, byPlan: {}, byTier: {}, byRegion: {} };
      for (const row of rows) result[row.dim][row.key] = row.n;
      return result;
    }),
    async growth(query, reader) {
      const days = integerInRange(query.days, 'days', 1, 366, 90);
      return auditedRead(operator, clock, reader, { action: 'analytics.growth', details: { days } }, async (c) => {
        const { rows } = await c.query<GrowthPoint>(GROWTH, [now(), days]);
        return { points: rows };
      });
    },
    active: (reader) => auditedRead(operator, clock, reader, { action: 'analytics.active' }, async (c) => {
      const { rows } = await c.query<ActiveTenants>(ACTIVE, [now()]);
      return rows[0] ?? { d1: 0, d7: 0, d30: 0 };
    }),
    async top(query, reader) {
      if (query.by !== 'usage' && query.by !== 'errors') throw healthErrors.create('HEALTH_QUERY_INVALID', { details: { field: 'by', reason: 'must be usage or errors' } });
      const limit = integerInRange(query.limit, 'limit', 1, 1000, 10);
      const days = integerInRange(query.days, 'days', 1, 366, 7);
      return auditedRead(operator, clock, reader, { action: 'analytics.top', details: { by: query.by, limit, days } }, async (c) => {
        const { rows } = query.by === 'usage'
          ? await c.query<{ tenant_id: string; slug: string; value: number }>(TOP_USAGE, [now(), days, limit])
          : await c.query<{ tenant_id: string; slug: string; value: number }>(TOP_ERRORS, [now(), days, limit, minRequests]);
        return { items: rows.map((r) => ({ tenantId: r.tenant_id, slug: r.slug, value: r.value })) };
      });
    },
    async usageByHour(query, reader) {
      const days = integerInRange(query.days, 'days', 1, 366, 7);
      return auditedRead(operator, clock, reader, { action: 'analytics.usage_by_hour', details: { days } }, async (c) => {
        const { rows } = await c.query<HourPoint>(USAGE_BY_HOUR, [now(), days]);
        return { points: rows };
      });
    },
  };
}
