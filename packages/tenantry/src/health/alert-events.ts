// Stored alert events (tenantry.alert_events) and their operator listing.
import { systemClock, type Clock } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { integerInRange } from './analytics-query.js';
import { healthErrors } from './errors.js';
import { auditedRead, type OperatorReader } from './operator-actions.js';

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
}

export interface AlertRow {
  id: string; subject_tenant: string; rule: string; metric: string; value: number; threshold: number;
  status: AlertStatus; first_seen_at: Date; last_seen_at: Date; resolved_at: Date | null; count: number;
}

export const ALERT_COLUMNS = 'id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, resolved_at, count';

/** @example rows.map(alertFromRow) */
export function alertFromRow(row: AlertRow): AlertEvent {
  return {
    id: row.id, tenantId: row.subject_tenant, rule: row.rule, metric: row.metric, value: row.value, threshold: row.threshold,
    status: row.status, firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at, resolvedAt: row.resolved_at, count: row.count,
  };
}

export interface AlertEventsOptions {
  readonly operator: SqlPool;
  readonly clock?: Clock;
}

export interface AlertEvents {
  /** Most recently seen first; `status` filters, `limit` 1–1000 (default 100). */
  list(query: { readonly status?: AlertStatus; readonly limit?: number }, reader: OperatorReader): Promise<{ items: AlertEvent[] }>;
}

const LIST = `SELECT ${ALERT_COLUMNS} FROM tenantry.alert_events
  WHERE ($1::text IS NULL OR status = $1) ORDER BY last_seen_at DESC, id LIMIT $2`;

/**
 * @example const { items } = await createAlertEvents({ operator }).list({ status: 'open' }, { actor: 'operator:ann' });
 */
export function createAlertEvents(options: AlertEventsOptions): AlertEvents {
  const clock = options.clock ?? systemClock;
  return {
    async list(query, reader) {
      if (query.status !== undefined && query.status !== 'open' && query.status !== 'resolved') {
        throw healthErrors.create('HEALTH_QUERY_INVALID', { details: { field: 'status', reason: 'must be open or resolved' } });
      }
      const limit = integerInRange(query.limit, 'limit', 1, 1000, 100);
      return auditedRead(options.operator, clock, reader, { action: 'alerts.list', details: { status: query.status ?? null, limit } }, async (c) => {
        const { rows } = await c.query<AlertRow>(LIST, [query.status ?? null, limit]);
        return { items: rows.map(alertFromRow) };
      });
    },
  };
}
