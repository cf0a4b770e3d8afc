// Quota checks against hard limits: reserve → commit (the real amount) or release, consume in
// one step, and admit a level (seats) counted by the caller. Each is one conditional UPDATE of the
// (tenant, meter, period) row in the tenant transaction: concurrent callers serialize on that
// row's lock and PostgreSQL re-checks the condition on the row they waited for (READ COMMITTED
// re-evaluation), so the sum admitted never passes the limit, whatever the concurrency.
import { randomUUID } from 'node:crypto';
import type { Clock, TenantId } from '../core/index.js';
import type { SqlQueryable, TenantTransaction } from '../postgres/index.js';
import { quotaErrors } from './errors.js';
import { periodOf, utcDay } from './period.js';
import type { Limit, PlanCatalog } from './plan-catalog.js';
import { effectiveLimit, int, raiseAlerts, readTenantLimits, recordDaily, usagePeriod, type UsageAlert } from './quota-sql.js';

/** A soft limit passed: the operation went through, the caller may tell the user. */
export interface QuotaWarning {
  readonly meter: string;
  readonly softLimit: number;
  readonly used: number;
  readonly requested: number;
}

/** What a successful check reports: the meter's state after it, warnings, and alerts recorded now. */
export interface QuotaOutcome {
  readonly meter: string;
  readonly used: number;
  readonly reserved: number;
  readonly limit: number | null;
  readonly softLimit: number | null;
  readonly warnings: readonly QuotaWarning[];
  readonly alerts: readonly UsageAlert[];
}

export interface Reservation extends QuotaOutcome {
  readonly id: string;
  readonly amount: number;
  readonly expiresAt: Date;
}

export interface ReservationContext {
  readonly catalog: PlanCatalog;
  readonly clock: Clock;
  readonly reservationTtlMs: number;
}

export function positiveAmount(value: unknown, field: string, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw quotaErrors.create('QUOTA_AMOUNT_INVALID', { details: { field, reason: allowZero ? 'must be a non-negative safe integer' : 'must be a positive safe integer' } });
  }
  return value;
}

interface UsageRow { used: string; reserved: string }

function exceeded(meter: string, limit: number, used: number, requested: number) {
  return quotaErrors.create('QUOTA_EXCEEDED', { details: { meter, limit, used, requested } });
}

async function outcome(sql: SqlQueryable, tenantId: TenantId, meter: string, row: UsageRow, limit: Limit, requested: number, now: Date): Promise<QuotaOutcome> {
  const used = int(row.used);
  const reserved = int(row.reserved);
  const level = used + reserved;
  const warnings: QuotaWarning[] = limit.soft !== null && level > limit.soft ? [{ meter, softLimit: limit.soft, used: level - requested, requested }] : [];
  const alerts = await raiseAlerts(sql, tenantId, meter, periodOf(now).name, level, limit, now);
  return { meter, used, reserved, limit: limit.hard, softLimit: limit.soft, warnings, alerts };
}

/**
 * One statement (one round trip) for the common case: the tenant's hard limit for the meter
 * (plan read fresh from tenantry.tenants, the override if there is one, the plan's limits passed
 * in as arrays), the conditional add to `used` or `reserved`, and for `used` the day's row.
 * The INSERT branch (no row yet) is filtered by the same limit, so the check has no gap.
 */
function checkedAddSql(column: 'used' | 'reserved'): string {
  const daily = column === 'used'
    ? `, daily AS (
         INSERT INTO tenantry.usage_daily AS d (tenant_id, meter, day, quantity)
         SELECT $1, $2, $8::date, CASE WHEN $9::boolean THEN upd.used ELSE $4 END FROM upd
         ON CONFLICT (tenant_id, meter, day) DO UPDATE
           SET quantity = CASE WHEN $9::boolean THEN greatest(d.quantity, EXCLUDED.quantity) ELSE d.quantity + EXCLUDED.quantity END)`
    : '';
  return `WITH lim AS (
      SELECT t.plan, o.meter IS NOT NULL AS overridden, o.hard_limit,
             (SELECT x.hard FROM unnest($6::text[], $7::bigint[]) AS x(plan, hard) WHERE x.plan = t.plan) AS plan_hard,
             t.plan = ANY($6::text[]) AS known
        FROM tenantry.tenants t
        LEFT JOIN tenantry.quota_overrides o ON o.tenant_id = t.id AND o.meter = $2
       WHERE t.id = $1
    ), eff AS (
      SELECT CASE WHEN overridden THEN hard_limit ELSE plan_hard END AS hard, known FROM lim
    ), upd AS (
      INSERT INTO tenantry.quota_usage AS u (tenant_id, meter, period, used, reserved, updated_at)
      SELECT $1, $2, $3, ${column === 'used' ? '$4::bigint' : '0'}, ${column === 'reserved' ? '$4::bigint' : '0'}, $5 FROM eff
       WHERE eff.known AND (eff.hard IS NULL OR $4::bigint <= eff.hard)
      ON CONFLICT (tenant_id, meter, period) DO UPDATE SET ${column} = u.${column} + $4::bigint, updated_at = $5
        WHERE (SELECT e.hard IS NULL OR u.used + u.reserved + $4::bigint <= e.hard FROM eff e)
      RETURNING u.used, u.reserved
    )${daily}
    SELECT lim.plan, lim.overridden, lim.hard_limit, lim.known, upd.used, upd.reserved FROM lim LEFT JOIN upd ON true`;
}
const CHECKED_ADD = { used: checkedAddSql('used'), reserved: checkedAddSql('reserved') };

interface CheckedRow { plan: string; overridden: boolean; hard_limit: string | null; known: boolean; used: string | null; reserved: string | null }

/** Releases the meter's expired reservations; returns the row after it (locked). */
async function releaseExpired(sql: SqlQueryable, tenantId: TenantId, meter: string, period: string, now: Date): Promise<UsageRow> {
  const { rows } = await sql.query<UsageRow>(
    `WITH expired AS (
       DELETE FROM tenantry.quota_reservations WHERE tenant_id = $1 AND meter = $2 AND period = $3 AND expires_at <= $4 RETURNING amount)
     UPDATE tenantry.quota_usage SET reserved = reserved - (SELECT coalesce(sum(amount), 0) FROM expired)
      WHERE tenant_id = $1 AND meter = $2 AND period = $3 RETURNING used, reserved`,
    [tenantId, meter, period, now],
  );
  return rows[0] ?? { used: '0', reserved: '0' };
}

/**
 * Reserves or consumes `amount`. A refusal first releases expired reservations and tries again
 * once, so an abandoned upload does not hold its bytes past its expiry.
 */
export async function addChecked(ctx: ReservationContext, tx: TenantTransaction, sql: SqlQueryable, meter: string, column: 'used' | 'reserved', amount: number): Promise<{ row: UsageRow; limit: Limit; period: string; now: Date }> {
  const definition = ctx.catalog.meter(meter);
  if (definition.kind === 'rate') throw quotaErrors.create('QUOTA_METER_UNKNOWN', { message: 'A rate meter is enforced by the rate limiter, not reserved.', details: { meter } });
  const now = ctx.clock.now();
  const period = usagePeriod(definition.kind, now);
  const plans = ctx.catalog.list();
  const values = [tx.tenantId, meter, period, amount, now, plans.map((p) => p.name), plans.map((p) => p.limits[meter]?.hard ?? null), utcDay(now), definition.kind === 'level'];
  const run = async () => (await sql.query<CheckedRow>(column === 'used' ? CHECKED_ADD.used : CHECKED_ADD.reserved, column === 'used' ? values : values.slice(0, 7))).rows[0];
  let result = await run();
  if (!result) throw quotaErrors.create('QUOTA_PLAN_UNKNOWN', { details: { plan: '' } }); // the tenant gate let no unknown tenant in
  const plan = ctx.catalog.plan(result.plan);
  const limit = effectiveLimit(plan.limits[meter] ?? { hard: null, soft: null }, result.overridden ? (result.hard_limit === null ? null : int(result.hard_limit)) : undefined);
  if (result.used === null) {
    const after = await releaseExpired(sql, tx.tenantId, meter, period, now);
    result = await run();
    if (result?.used === null || result?.used === undefined) throw exceeded(meter, limit.hard ?? 0, int(after.used) + int(after.reserved), amount);
  }
  return { row: { used: result.used, reserved: result.reserved ?? '0' }, limit, period, now };
}

export async function reserve(ctx: ReservationContext, tx: TenantTransaction, sql: SqlQueryable, meter: string, amount: number, ttlMs: number): Promise<Reservation> {
  const { row, limit, period, now } = await addChecked(ctx, tx, sql, meter, 'reserved', amount);
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await sql.query(
    `INSERT INTO tenantry.quota_reservations (tenant_id, id, meter, period, amount, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [tx.tenantId, id, meter, period, amount, now, expiresAt],
  );
  return Object.freeze({ id, amount, expiresAt, ...(await outcome(sql, tx.tenantId, meter, row, limit, amount, now)) });
}

/**
 * Ends a reservation: `actual` (committed) is added to `used`, the reserved amount is released.
 * Committing more than was reserved checks the difference against the limit. Locks the usage
 * row before the reservation, in the same order as a reservation's release of expired ones.
 */
export async function settle(ctx: ReservationContext, tx: TenantTransaction, sql: SqlQueryable, reservationId: string, actual: number | 'reserved' | 'release'): Promise<QuotaOutcome | undefined> {
  const id = typeof reservationId === 'string' && /^[0-9a-f-]{36}$/i.test(reservationId) ? reservationId.toLowerCase() : undefined;
  const notFound = () => quotaErrors.create('QUOTA_RESERVATION_NOT_FOUND');
  if (!id) throw notFound();
  const { rows: [found] } = await sql.query<{ meter: string; period: string }>(
    'SELECT meter, period FROM tenantry.quota_reservations WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
  if (!found) throw notFound();
  const { meter, period } = found;
  await sql.query('SELECT 1 FROM tenantry.quota_usage WHERE tenant_id = $1 AND meter = $2 AND period = $3 FOR UPDATE', [tx.tenantId, meter, period]);
  const now = ctx.clock.now();
  // Gone by now if a concurrent settle or an expiry sweep took it first.
  const { rows: [taken] } = await sql.query<{ amount: string; expires_at: Date }>(
    'SELECT amount, expires_at FROM tenantry.quota_reservations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tx.tenantId, id]);
  if (!taken) throw notFound();
  const amount = int(taken.amount);
  const committed = actual === 'release' ? 0 : actual === 'reserved' ? amount : actual;
  const remove = () => sql.query('DELETE FROM tenantry.quota_reservations WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
  // An expired reservation is released, never committed: its amount may already be promised to others.
  if (actual !== 'release' && taken.expires_at <= now) {
    await sql.query('UPDATE tenantry.quota_usage SET reserved = reserved - $4 WHERE tenant_id = $1 AND meter = $2 AND period = $3', [tx.tenantId, meter, period, amount]);
    await remove();
    throw notFound();
  }
  const { limits } = await readTenantLimits(sql, tx.tenantId, ctx.catalog);
  const limit = limits[meter] ?? { hard: null, soft: null };
  const growth = committed - amount;
  // Nothing is changed before this check, so a refused commit leaves the reservation as it was.
  const { rows: [row] } = await sql.query<UsageRow>(
    `UPDATE tenantry.quota_usage SET used = used + $4, reserved = reserved - $5, updated_at = $6
      WHERE tenant_id = $1 AND meter = $2 AND period = $3 AND ($7::bigint <= 0 OR $8::bigint IS NULL OR used + reserved + $7::bigint <= $8::bigint)
      RETURNING used, reserved`,
    [tx.tenantId, meter, period, committed, amount, now, growth, limit.hard],
  );
  if (!row) {
    const { rows: [current] } = await sql.query<UsageRow>('SELECT used, reserved FROM tenantry.quota_usage WHERE tenant_id = $1 AND meter = $2 AND period = $3', [tx.tenantId, meter, period]);
    throw exceeded(meter, limit.hard ?? 0, int(current?.used) + int(current?.reserved) - amount, committed);
  }
  await remove();
  if (actual === 'release') return undefined;
  const kind = ctx.catalog.meter(meter).kind;
  if (committed > 0) await recordDaily(sql, tx.tenantId, meter, kind, now, kind === 'level' ? int(row.used) : committed);
  return outcome(sql, tx.tenantId, meter, row, limit, 0, now);
}

export async function consume(ctx: ReservationContext, tx: TenantTransaction, sql: SqlQueryable, meter: string, amount: number): Promise<QuotaOutcome> {
  const { row, limit, now } = await addChecked(ctx, tx, sql, meter, 'used', amount);
  return outcome(sql, tx.tenantId, meter, row, limit, amount, now);
}

/**
 * Admits `requested` more of a level the caller counts itself (seats: the members table), with
 * the count taken after the meter's row is locked, so two concurrent admissions cannot both see
 * the last free seat. `used` becomes the count plus what was admitted.
 */
export async function admitLevel(ctx: ReservationContext, tx: TenantTransaction, sql: SqlQueryable, meter: string, count: () => Promise<number>, requested: number): Promise<QuotaOutcome> {
  const definition = ctx.catalog.meter(meter);
  const now = ctx.clock.now();
  const { limits } = await readTenantLimits(sql, tx.tenantId, ctx.catalog);
  const limit = limits[meter] ?? { hard: null, soft: null };
  const { rows: [locked] } = await sql.query<UsageRow>(
    `INSERT INTO tenantry.quota_usage AS u (tenant_id, meter, period, updated_at) VALUES ($1, $2, 'all', $3)
     ON CONFLICT (tenant_id, meter, period) DO UPDATE SET updated_at = $3 RETURNING u.used, u.reserved`,
    [tx.tenantId, meter, now],
  );
  const current = await count();
  const reserved = int(locked?.reserved);
  if (limit.hard !== null && current + reserved + requested > limit.hard) throw exceeded(meter, limit.hard, current + reserved, requested);
  const used = current + requested;
  await sql.query(`UPDATE tenantry.quota_usage SET used = $3 WHERE tenant_id = $1 AND meter = $2 AND period = 'all'`, [tx.tenantId, meter, used]);
  await recordDaily(sql, tx.tenantId, meter, definition.kind, now, used);
  return outcome(sql, tx.tenantId, meter, { used: String(used), reserved: String(reserved) }, limit, requested, now);
}
