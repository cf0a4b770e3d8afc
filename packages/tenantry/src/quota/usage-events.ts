// Usage metering: events (API calls, storage, seats, custom meters) recorded once per event id
// and aggregated per tenant into the period row, the day row and the alerts, in the tenant
// transaction. Metering records what happened: it never refuses usage (quota checks do that).
import type { Clock, TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { quotaErrors } from './errors.js';
import { periodOf, shiftPeriod, utcDay } from './period.js';
import type { MeterKind, PlanCatalog } from './plan-catalog.js';
import { int, raiseAlerts, readTenantLimits, recordDaily, usagePeriod, type UsageAlert } from './quota-sql.js';

/** One usage event. `id` is the caller's idempotency key: a retried event is counted once. */
export interface UsageEventInput {
  readonly id: string;
  readonly meter: string;
  /** Units used; a level meter (storage) also takes negative quantities (bytes freed). */
  readonly quantity: number;
  /** When it happened (default: now); decides its day and period. */
  readonly occurredAt?: Date;
}

export interface RecordUsageResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly alerts: readonly UsageAlert[];
}

/** At most this many events per call: one statement inserts them all. */
export const MAX_USAGE_EVENTS = 1000;
// Late events are counted in their own period, but not from before the previous one: a closed
// and invoiced month must not change under the invoice. Events from the future are clock skew.
const MAX_FUTURE_MS = 5 * 60_000;
const ID = /^[\x21-\x7e]{1,128}$/;

interface ParsedEvent { id: string; meter: string; quantity: number; occurredAt: Date }

function parseEvents(catalog: PlanCatalog, events: readonly UsageEventInput[], now: Date): ParsedEvent[] {
  const bad = (index: number, field: string, reason: string) => quotaErrors.create('USAGE_EVENT_INVALID', { details: { index, field, reason } });
  const list: readonly UsageEventInput[] = events;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_USAGE_EVENTS) throw bad(-1, 'events', `must be an array of 1–${MAX_USAGE_EVENTS} events`);
  const earliest = shiftPeriod(periodOf(now), -1).start;
  const seen = new Map<string, ParsedEvent>();
  return list.map((event: UsageEventInput, index: number) => {
    if (typeof event !== 'object' || event === null) throw bad(index, 'event', 'must be an object');
    if (typeof event.id !== 'string' || !ID.test(event.id)) throw bad(index, 'id', 'must be 1–128 printable ASCII characters');
    const meter = catalog.meter(event.meter);
    if (meter.kind === 'rate') throw bad(index, 'meter', 'is a rate meter, which is not metered');
    const { quantity } = event;
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity)) throw bad(index, 'quantity', 'must be a safe integer');
    if (quantity < 0 && meter.kind !== 'level') throw bad(index, 'quantity', 'must not be negative for a period meter');
    const occurredAt = event.occurredAt ?? now;
    if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) throw bad(index, 'occurredAt', 'must be a time');
    if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_MS) throw bad(index, 'occurredAt', 'is in the future');
    if (occurredAt < earliest) throw bad(index, 'occurredAt', 'is before the previous billing period');
    const parsed = { id: event.id, meter: event.meter, quantity, occurredAt };
    // The same id twice in one batch: once, like across batches (and a conflict if they differ).
    const before = seen.get(parsed.id);
    if (before && (before.meter !== parsed.meter || before.quantity !== parsed.quantity)) throw quotaErrors.create('USAGE_EVENT_CONFLICT', { details: { id: parsed.id } });
    seen.set(parsed.id, parsed);
    return parsed;
  });
}

/**
 * What each day of a batch adds: the day's sum for period meters; for level meters the peak the
 * level reached that day, walking the events in time order from the level before the batch (a
 * batch that uploads then deletes still shows its peak, which storage is billed by).
 */
function dailyQuantities(kind: MeterKind, events: readonly ParsedEvent[], levelBefore: number): [string, number][] {
  const days = new Map<string, number>();
  let level = levelBefore;
  for (const e of [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())) {
    const day = utcDay(e.occurredAt);
    level += e.quantity;
    days.set(day, kind === 'level' ? Math.max(days.get(day) ?? level, level) : (days.get(day) ?? 0) + e.quantity);
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Inserts the events (ON CONFLICT DO NOTHING on (tenant_id, id)) and aggregates only the ones
 * inserted now. A concurrent retry of the same id waits on the first insert's index entry and
 * then skips it, so an event is counted once even when its retries race. A known id sent with
 * another meter or quantity is refused (USAGE_EVENT_CONFLICT) rather than silently dropped.
 */
export async function recordUsageEvents(catalog: PlanCatalog, clock: Clock, sql: SqlQueryable, tenantId: TenantId, events: readonly UsageEventInput[]): Promise<RecordUsageResult> {
  const now = clock.now();
  const parsed = parseEvents(catalog, events, now);
  const unique = [...new Map(parsed.map((e) => [e.id, e])).values()];
  const { rows: inserted } = await sql.query<{ id: string }>(
    `INSERT INTO tenantry.usage_events (tenant_id, id, meter, quantity, occurred_at, recorded_at)
     SELECT $1, e.id, e.meter, e.quantity, e.occurred_at, $6
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) AS e(id, meter, quantity, occurred_at)
     ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id`,
    [tenantId, unique.map((e) => e.id), unique.map((e) => e.meter), unique.map((e) => e.quantity), unique.map((e) => e.occurredAt), now],
  );
  const fresh = new Set(inserted.map((r) => r.id));
  const repeated = unique.filter((e) => !fresh.has(e.id));
  if (repeated.length > 0) {
    const { rows: stored } = await sql.query<{ id: string; meter: string; quantity: string }>(
      'SELECT id, meter, quantity FROM tenantry.usage_events WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, repeated.map((e) => e.id)]);
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const e of repeated) {
      const s = byId.get(e.id);
      if (s && (s.meter !== e.meter || int(s.quantity) !== e.quantity)) throw quotaErrors.create('USAGE_EVENT_CONFLICT', { details: { id: e.id } });
    }
  }

  // Aggregate per (meter, usage period) and per (meter, day), in sorted key order: two batches
  // of one tenant lock the same rows in the same order and cannot deadlock.
  const groups = new Map<string, { meter: string; period: string; quantity: number; events: ParsedEvent[] }>();
  for (const e of unique) {
    if (!fresh.has(e.id)) continue;
    const period = usagePeriod(catalog.meter(e.meter).kind, e.occurredAt);
    const key = `${e.meter}\u0000${period}`;
    const group = groups.get(key) ?? { meter: e.meter, period, quantity: 0, events: [] };
    group.quantity += e.quantity;
    group.events.push(e);
    groups.set(key, group);
  }
  const alerts: UsageAlert[] = [];
  if (groups.size === 0) return { accepted: 0, duplicates: parsed.length, alerts };
  const { limits } = await readTenantLimits(sql, tenantId, catalog);
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    const kind = catalog.meter(g.meter).kind;
    const { rows: [row] } = await sql.query<{ used: string; reserved: string }>(
      `INSERT INTO tenantry.quota_usage AS u (tenant_id, meter, period, used, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, meter, period) DO UPDATE SET used = u.used + $4, updated_at = $5 RETURNING u.used, u.reserved`,
      [tenantId, g.meter, g.period, g.quantity, now],
    );
    const used = int(row?.used);
    // A level (storage, seats) never goes below zero: a negative event larger than what is there
    // would make room beyond the hard limit and lower the billed peak. The whole batch rolls back.
    if (used < 0) throw quotaErrors.create('USAGE_EVENT_INVALID', { details: { index: -1, field: 'quantity', reason: `would take ${g.meter} below zero` } });
    for (const [day, quantity] of dailyQuantities(kind, g.events, used - g.quantity)) await recordDaily(sql, tenantId, g.meter, kind, new Date(`${day}T00:00:00Z`), quantity);
    const limit = limits[g.meter] ?? { hard: null, soft: null };
    const alertPeriod = g.period === 'all' ? periodOf(now).name : g.period;
    alerts.push(...(await raiseAlerts(sql, tenantId, g.meter, alertPeriod, used + int(row?.reserved), limit, now)));
  }
  return { accepted: fresh.size, duplicates: parsed.length - fresh.size, alerts };
}

/**
 * Deletes the tenant's usage events that can no longer be retried: an event dated before the
 * previous period is refused anyway (parseEvents), so its id is not needed for idempotency. Only
 * the ids go: the totals live in quota_usage and usage_daily. Recorded-at bounds it with the
 * 5 minutes of allowed skew, so the (tenant_id, recorded_at) index serves it.
 */
export async function pruneUsageEvents(clock: Clock, sql: SqlQueryable, tenantId: TenantId): Promise<number> {
  const previousStart = shiftPeriod(periodOf(clock.now()), -1).start;
  const { rowCount } = await sql.query('DELETE FROM tenantry.usage_events WHERE tenant_id = $1 AND recorded_at < $2', [tenantId, new Date(previousStart.getTime() - MAX_FUTURE_MS)]);
  return rowCount ?? 0;
}
