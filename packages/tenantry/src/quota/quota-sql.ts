// The SQL the quota capability shares: how it reaches a tenant scope or transaction, the
// tenant's effective limits (plan read fresh + overrides), the daily usage rows and the alerts.
import { randomUUID } from 'node:crypto';
import type { TenantId } from '../core/index.js';
import type { SqlQueryable, TenantScope, TenantTransaction } from '../postgres/index.js';
// The library-internal path (not in the package's exports), as audit and crypto use it: this
// capability's statements are constants over Tenantry's own tables, which the SQL guard keeps
// away from application statements.
import { unguardedQuery } from '../postgres/internal.js';
import type { Limit, MeterKind, Plan, PlanCatalog } from './plan-catalog.js';
import { periodOf, utcDay } from './period.js';

/** What the tenant-side methods take: a scope (`db.withTenant`) or a transaction (`db.transaction`). */
export type QuotaScope = TenantScope | TenantTransaction;

/** A stored usage alert: a soft limit passed, or 80 % / 100 % of a hard limit reached, once per meter and period. */
export interface UsageAlert {
  readonly id: string;
  readonly tenantId: TenantId;
  readonly meter: string;
  readonly period: string;
  readonly alert: 'soft_limit' | 'limit_80' | 'limit_100';
  readonly used: number;
  readonly limit: number;
  readonly createdAt: Date;
}

/** The plan of the tenant and the limits in force for it (plan limits with its overrides applied). */
export interface TenantLimits {
  readonly plan: Plan;
  readonly limits: Readonly<Record<string, Limit>>;
  /** The meters an operator overrode, with the override (null: unlimited). */
  readonly overrides: Readonly<Record<string, number | null>>;
}

export const sqlOf = (handle: QuotaScope): SqlQueryable => unguardedQuery(handle);

export function inTransaction<T>(handle: QuotaScope, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  return 'savepoint' in handle ? fn(handle) : handle.transaction(fn);
}

/** pg returns bigint as text; every quantity here stays within Number.MAX_SAFE_INTEGER. */
export const int = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * The tenant's limits, read in the caller's statement stream: the plan from tenantry.tenants
 * (never cached, so a plan change applies to the next check) and its overrides, in one query.
 * An override replaces the hard limit; a soft limit at or above the new hard limit is dropped.
 */
export async function readTenantLimits(sql: SqlQueryable, tenantId: TenantId, catalog: PlanCatalog): Promise<TenantLimits> {
  const { rows } = await sql.query<{ plan: string; overrides: [string, string | number | null][] }>(
    `SELECT t.plan, (SELECT coalesce(json_agg(json_build_array(o.meter, o.hard_limit)), '[]'::json)
                       FROM tenantry.quota_overrides o WHERE o.tenant_id = $1) AS overrides
       FROM tenantry.tenants t WHERE t.id = $1`,
    [tenantId],
  );
  // The tenant gate already refused an unknown tenant; an empty result would be a broken policy.
  const plan = catalog.plan(rows[0]?.plan ?? '');
  const limits: Record<string, Limit> = { ...plan.limits };
  const overrides: Record<string, number | null> = {};
  for (const [meter, raw] of rows[0]?.overrides ?? []) {
    const base = limits[meter];
    if (!base) continue; // a meter since removed from the catalog
    const hard = raw === null ? null : int(raw);
    overrides[meter] = hard;
    limits[meter] = effectiveLimit(base, hard);
  }
  return Object.freeze({ plan, limits: Object.freeze(limits), overrides: Object.freeze(overrides) });
}

/**
 * The plan's limit with an operator's override of the hard limit applied (`undefined`: none).
 * A soft limit at or above the overridden hard limit no longer means anything and is dropped.
 */
export function effectiveLimit(base: Limit, override: number | null | undefined): Limit {
  if (override === undefined) return base;
  return { hard: override, soft: base.soft !== null && override !== null && base.soft >= override ? null : base.soft };
}

/** The quota_usage period of a meter at `at`: the month for period meters, 'all' for levels. */
export const usagePeriod = (kind: MeterKind, at: Date): string => (kind === 'level' ? 'all' : periodOf(at).name);

/** Adds to the day's total (period meters) or raises the day's peak to `level` (level meters). */
export async function recordDaily(sql: SqlQueryable, tenantId: TenantId, meter: string, kind: MeterKind, at: Date, quantity: number): Promise<void> {
  const merge = kind === 'level' ? 'greatest(d.quantity, EXCLUDED.quantity)' : 'd.quantity + EXCLUDED.quantity';
  await sql.query(
    `INSERT INTO tenantry.usage_daily AS d (tenant_id, meter, day, quantity) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, meter, day) DO UPDATE SET quantity = ${merge}`,
    [tenantId, meter, utcDay(at), quantity],
  );
}

interface AlertRow { id: string; meter: string; period: string; alert: UsageAlert['alert']; used: string; limit_value: string; created_at: Date }

export const toAlert = (tenantId: TenantId, r: AlertRow): UsageAlert =>
  Object.freeze({ id: r.id, tenantId, meter: r.meter, period: r.period, alert: r.alert, used: int(r.used), limit: int(r.limit_value), createdAt: r.created_at });

export const ALERT_COLUMNS = 'id, meter, period, alert, used, limit_value, created_at';

/**
 * Records the alerts `level` (used + reserved) has reached for the meter in `period`, each at
 * most once per meter and period (the primary key; ON CONFLICT DO NOTHING also under races).
 * Returns the ones recorded now. No statement at all when no threshold is reached.
 */
export async function raiseAlerts(sql: SqlQueryable, tenantId: TenantId, meter: string, period: string, level: number, limit: Limit, now: Date): Promise<UsageAlert[]> {
  const due: [UsageAlert['alert'], number][] = [];
  if (limit.soft !== null && level > limit.soft) due.push(['soft_limit', limit.soft]);
  // Integer arithmetic: 80 % without floats (level * 5 >= hard * 4).
  if (limit.hard !== null && limit.hard > 0) {
    if (level * 5 >= limit.hard * 4) due.push(['limit_80', limit.hard]);
    if (level >= limit.hard) due.push(['limit_100', limit.hard]);
  }
  if (due.length === 0) return [];
  const { rows } = await sql.query<AlertRow>(
    `INSERT INTO tenantry.quota_alerts (tenant_id, meter, period, alert, id, used, limit_value, created_at)
     SELECT $1, $2, $3, a.alert, a.id, $4, a.limit_value, $5
       FROM unnest($6::text[], $7::uuid[], $8::bigint[]) AS a(alert, id, limit_value)
     ON CONFLICT (tenant_id, meter, period, alert) DO NOTHING
     RETURNING ${ALERT_COLUMNS}`,
    [tenantId, meter, period, level, now, due.map((d) => d[0]), due.map(() => randomUUID()), due.map((d) => d[1])],
  );
  return rows.map((r) => toAlert(tenantId, r));
}
