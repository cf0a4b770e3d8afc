// What a tenant sees of its usage: each metered meter's use in the current period against its
// limits, and the daily history. Read in one tenant transaction, so the numbers agree.
import type { Clock, TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { quotaErrors } from './errors.js';
import { periodOf, type Period } from './period.js';
import type { PlanCatalog } from './plan-catalog.js';
import { int, readTenantLimits } from './quota-sql.js';

export interface MeterUsage {
  readonly meter: string;
  /** Used (and held by open reservations) in the period; the current level for level meters. */
  readonly used: number;
  readonly limit: number | null;
  readonly softLimit: number | null;
  readonly unit: string;
}

export interface UsageReport {
  readonly plan: string;
  readonly period: { readonly start: Date; readonly end: Date };
  readonly meters: readonly MeterUsage[];
}

export interface UsagePoint {
  readonly day: string;
  readonly meter: string;
  readonly quantity: number;
}

/** Levels the caller counts itself (e.g. members from the members table), by meter. */
export type CountedLevels = Readonly<Record<string, () => Promise<number>>>;

export async function readUsage(catalog: PlanCatalog, clock: Clock, sql: SqlQueryable, tenantId: TenantId, counted: CountedLevels = {}): Promise<UsageReport> {
  const period: Period = periodOf(clock.now());
  const { plan, limits } = await readTenantLimits(sql, tenantId, catalog);
  const { rows } = await sql.query<{ meter: string; used: string; reserved: string }>(
    `SELECT meter, used, reserved FROM tenantry.quota_usage WHERE tenant_id = $1 AND period IN ($2, 'all')`, [tenantId, period.name]);
  const byMeter = new Map(rows.map((r) => [r.meter, int(r.used) + int(r.reserved)]));
  const meters: MeterUsage[] = [];
  for (const [meter, definition] of Object.entries(catalog.meters)) {
    if (definition.kind === 'rate') continue;
    const count = Object.hasOwn(counted, meter) ? counted[meter] : undefined;
    const used = count ? await count() : byMeter.get(meter) ?? 0;
    const limit = limits[meter] ?? { hard: null, soft: null };
    meters.push({ meter, used, limit: limit.hard, softLimit: limit.soft, unit: definition.unit });
  }
  return { plan: plan.name, period: { start: period.start, end: period.end }, meters };
}

/** Days of history a caller may ask for. */
export const MAX_HISTORY_DAYS = 400;

export async function readUsageHistory(clock: Clock, sql: SqlQueryable, tenantId: TenantId, days: number): Promise<{ points: UsagePoint[] }> {
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_HISTORY_DAYS) {
    throw quotaErrors.create('QUOTA_AMOUNT_INVALID', { details: { field: 'days', reason: `must be an integer from 1 to ${MAX_HISTORY_DAYS}` } });
  }
  const today = new Date(clock.now().toISOString().slice(0, 10));
  const from = new Date(today.getTime() - (days - 1) * 86_400_000);
  const { rows } = await sql.query<{ day: string; meter: string; quantity: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, meter, quantity FROM tenantry.usage_daily
      WHERE tenant_id = $1 AND day >= $2::date ORDER BY day, meter`,
    [tenantId, from.toISOString().slice(0, 10)],
  );
  return { points: rows.map((r) => ({ day: r.day, meter: r.meter, quantity: int(r.quantity) })) };
}
