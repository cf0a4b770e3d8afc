// Stored alert events (tenantry.alert_events): the operator listing, and triage by operators —
// acknowledge, snooze for a while, resolve by hand — each recorded in operator_actions with the
// alert's tenant, in the same transaction as the change.
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import { withPoolTransaction, type SqlConnection, type SqlPool } from '../postgres/index.js';
import { integerInRange } from './analytics-query.js';
import { healthErrors } from './errors.js';
import { auditedRead, recordOperatorActionIn, type OperatorReader } from './operator-actions.js';

export type AlertStatus = 'open' | 'resolved';

export interface AlertEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly rule: string;
  readonly metric: string;
  /** The metric's value when last seen above the threshold. */
  readonly value: number;
  readonly threshold: number;
  readonly status: AlertStatus;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly resolvedAt: Date | null;
  /** Evaluations that saw it firing. */
  readonly count: number;
  /** When an operator acknowledged it (the first one to), and who (`operator:<id>`, `cli:<user>`). */
  readonly acknowledgedAt: Date | null;
  readonly acknowledgedBy: string | null;
  /** The end of the latest snooze, and who set it; past ends are kept (history), see `snoozed`. */
  readonly snoozedUntil: Date | null;
  readonly snoozedBy: string | null;
  /** Who resolved it by hand; null when the evaluator saw it clear (or it is open). */
  readonly resolvedBy: string | null;
}

/** An alert as an operator reads it: `snoozed` is decided by the injected clock at read time. */
export interface TriagedAlert extends AlertEvent {
  readonly snoozed: boolean;
}

export interface AlertRow {
  id: string; subject_tenant: string; rule: string; metric: string; value: number; threshold: number;
  status: AlertStatus; first_seen_at: Date; last_seen_at: Date; resolved_at: Date | null; count: number;
  acknowledged_at: Date | null; acknowledged_by: string | null; snoozed_until: Date | null; snoozed_by: string | null; resolved_by: string | null;
}

export const ALERT_COLUMNS = 'id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, resolved_at, count, acknowledged_at, acknowledged_by, snoozed_until, snoozed_by, resolved_by';

/** @example rows.map(alertFromRow) */
export function alertFromRow(row: AlertRow): AlertEvent {
  return {
    id: row.id, tenantId: row.subject_tenant, rule: row.rule, metric: row.metric, value: row.value, threshold: row.threshold,
    status: row.status, firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at, resolvedAt: row.resolved_at, count: row.count,
    acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by, snoozedUntil: row.snoozed_until, snoozedBy: row.snoozed_by, resolvedBy: row.resolved_by,
  };
}

export interface AlertEventsOptions {
  readonly operator: SqlPool;
  readonly clock?: Clock;
}

/** The longest snooze: a month, so a snoozed alert cannot be forgotten for good. */
export const MAX_SNOOZE_MINUTES = 30 * 24 * 60;

export interface AlertEvents {
  /**
   * Most recently seen first; `status` filters, `limit` 1–1000 (default 100). `snoozed:
   * 'exclude'` leaves out open alerts whose snooze has not ended (what needs attention now).
   */
  list(query: { readonly status?: AlertStatus; readonly limit?: number; readonly snoozed?: 'include' | 'exclude' }, reader: OperatorReader): Promise<{ items: TriagedAlert[] }>;
  /** Marks an open alert as seen; a second acknowledgement keeps the first one's who and when. */
  acknowledge(id: string, reader: OperatorReader): Promise<TriagedAlert>;
  /** Hides an open alert from `snoozed: 'exclude'` lists for `minutes` (1 to MAX_SNOOZE_MINUTES) from now. */
  snooze(id: string, minutes: number, reader: OperatorReader): Promise<TriagedAlert>;
  /** Resolves an open alert by hand; if its rule still fires, the next evaluation opens a new one. */
  resolve(id: string, reader: OperatorReader): Promise<TriagedAlert>;
}

const LIST = `SELECT ${ALERT_COLUMNS} FROM tenantry.alert_events
  WHERE ($1::text IS NULL OR status = $1)
    AND ($3::timestamptz IS NULL OR status <> 'open' OR snoozed_until IS NULL OR snoozed_until <= $3)
  ORDER BY last_seen_at DESC, id LIMIT $2`;

// Each change touches an open alert only; a miss is told apart (not found / not open) after.
const TRIAGE = {
  acknowledge: `UPDATE tenantry.alert_events SET acknowledged_at = coalesce(acknowledged_at, $2), acknowledged_by = coalesce(acknowledged_by, $3)
    WHERE id = $1 AND status = 'open' RETURNING ${ALERT_COLUMNS}`,
  snooze: `UPDATE tenantry.alert_events SET snoozed_until = $2::timestamptz + make_interval(mins => $4), snoozed_by = $3
    WHERE id = $1 AND status = 'open' RETURNING ${ALERT_COLUMNS}`,
  resolve: `UPDATE tenantry.alert_events SET status = 'resolved', resolved_at = greatest($2::timestamptz, last_seen_at), resolved_by = $3
    WHERE id = $1 AND status = 'open' RETURNING ${ALERT_COLUMNS}`,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * @example
 * const alerts = createAlertEvents({ operator, clock });
 * const { items } = await alerts.list({ status: 'open', snoozed: 'exclude' }, { actor: 'operator:ann' });
 * await alerts.snooze(items[0].id, 60, { actor: 'operator:ann' });
 */
export function createAlertEvents(options: AlertEventsOptions): AlertEvents {
  const clock = options.clock ?? systemClock;
  const triaged = (alert: AlertEvent): TriagedAlert => ({
    ...alert,
    snoozed: alert.status === 'open' && alert.snoozedUntil !== null && alert.snoozedUntil.getTime() > clock.now().getTime(),
  });

  async function change(kind: keyof typeof TRIAGE, id: string, reader: OperatorReader, extra: readonly unknown[] = [], details: Record<string, unknown> = {}): Promise<TriagedAlert> {
    if (!UUID.test(id)) throw healthErrors.create('ALERT_NOT_FOUND', { details: { id } });
    return withPoolTransaction(options.operator, async (c: SqlConnection) => {
      const now = clock.now();
      const { rows } = await c.query<AlertRow>(TRIAGE[kind], [id, now.toISOString(), reader.actor, ...extra]);
      const row = rows[0];
      if (!row) {
        const { rows: found } = await c.query<{ status: string }>('SELECT status FROM tenantry.alert_events WHERE id = $1', [id]);
        throw healthErrors.create(found.length === 0 ? 'ALERT_NOT_FOUND' : 'ALERT_NOT_OPEN', { details: { id } });
      }
      await recordOperatorActionIn(c, clock, reader, { action: `alert.${kind}`, subjectTenant: row.subject_tenant as TenantId, details: { alertId: id, rule: row.rule, ...details } });
      return triaged(alertFromRow(row));
    });
  }

  return {
    async list(query, reader) {
      if (query.status !== undefined && query.status !== 'open' && query.status !== 'resolved') {
        throw healthErrors.create('HEALTH_QUERY_INVALID', { details: { field: 'status', reason: 'must be open or resolved' } });
      }
      if (query.snoozed !== undefined && query.snoozed !== 'include' && query.snoozed !== 'exclude') {
        throw healthErrors.create('HEALTH_QUERY_INVALID', { details: { field: 'snoozed', reason: 'must be include or exclude' } });
      }
      const limit = integerInRange(query.limit, 'limit', 1, 1000, 100);
      const hideSnoozedAt = query.snoozed === 'exclude' ? clock.now().toISOString() : null;
      return auditedRead(options.operator, clock, reader, { action: 'alerts.list', details: { status: query.status ?? null, limit, snoozed: query.snoozed ?? 'include' } }, async (c) => {
        const { rows } = await c.query<AlertRow>(LIST, [query.status ?? null, limit, hideSnoozedAt]);
        return { items: rows.map((row) => triaged(alertFromRow(row))) };
      });
    },
    acknowledge: (id, reader) => change('acknowledge', id, reader),
    async snooze(id, minutes, reader) {
      if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > MAX_SNOOZE_MINUTES) {
        throw healthErrors.create('ALERT_SNOOZE_INVALID', { details: { minutes, max: MAX_SNOOZE_MINUTES } });
      }
      return change('snooze', id, reader, [minutes], { minutes });
    },
    resolve: (id, reader) => change('resolve', id, reader),
  };
}
