// Periodic evaluation of alert rules against tenants' health: an event opens when a rule
// fires, is counted again (not duplicated) while it keeps firing, and resolves when it stops.
// Opening and resolving are announced to a webhook once each, however many evaluators run.
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { ALERT_COLUMNS, alertFromRow, type AlertEvent, type AlertRow } from './alert-events.js';
import { checkAlertRules, firingValue, type AlertRule } from './alert-rules.js';
import type { AlertWebhook } from './alert-webhook.js';
import { healthErrors } from './errors.js';
import type { TenantHealthReports } from './tenant-health.js';

export interface AlertEvaluatorOptions {
  readonly operator: SqlPool;
  readonly health: Pick<TenantHealthReports, 'measure'>;
  readonly rules: readonly AlertRule[];
  readonly clock?: Clock;
  /** Evaluation period for start(). Default 60 000 ms. */
  readonly intervalMs?: number;
  /** Receives `{ type: 'alert.opened' | 'alert.resolved', alert }`. */
  readonly notify?: AlertWebhook;
  /** A periodic evaluation that failed (the next one runs anyway). */
  readonly onError?: (err: unknown) => void;
}

export interface AlertEvaluation {
  /** Events this evaluation created. */
  readonly opened: readonly AlertEvent[];
  /** Open events this evaluation saw firing again. */
  readonly repeated: readonly AlertEvent[];
  /** Events this evaluation resolved. */
  readonly resolved: readonly AlertEvent[];
}

export interface AlertEvaluator {
  evaluate(): Promise<AlertEvaluation>;
  /** Evaluates every intervalMs until stop(). */
  start(): void;
  /** Stops the timer and waits for an evaluation in flight. */
  stop(): Promise<void>;
}

// The partial unique index (one open event per tenant and rule) arbitrates: whichever evaluator
// inserts first creates the event; every other one, even concurrent, waits for that row and
// updates it. `xmax = 0` tells a fresh insert from an update (the updated row version carries
// the updater's xid in xmax). Rows are sorted so concurrent evaluators lock in one order.
const UPSERT = `INSERT INTO tenantry.alert_events AS e
    (id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, count)
  SELECT id, t, r, m, v, th, 'open', $7::timestamptz, $7::timestamptz, 1
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[]) AS u(id, t, r, m, v, th)
  ON CONFLICT (subject_tenant, rule) WHERE status = 'open' DO UPDATE SET
    count = e.count + 1,
    last_seen_at = greatest(e.last_seen_at, excluded.last_seen_at),
    value = excluded.value, metric = excluded.metric, threshold = excluded.threshold
  RETURNING ${ALERT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}, (e.xmax = 0) AS inserted`;

// Every open event this evaluation did not see firing resolves: its tenant is back under the
// threshold, no longer active, or its rule was removed. A concurrent resolver that got there
// first leaves nothing for the other (the row is re-checked after its lock).
const RESOLVE = `UPDATE tenantry.alert_events AS e SET status = 'resolved', resolved_at = greatest($3::timestamptz, e.last_seen_at)
  WHERE e.status = 'open'
    AND NOT EXISTS (SELECT 1 FROM unnest($1::uuid[], $2::text[]) AS f(t, r) WHERE f.t = e.subject_tenant AND f.r = e.rule)
  RETURNING ${ALERT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}`;

/**
 * @example
 * const alerts = createAlertEvaluator({ operator, health, rules: [{ name: 'errors', metric: 'errorRate', threshold: 0.1, minRequests: 20 }], notify });
 * alerts.start(); … await alerts.stop();
 */
export function createAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const rules = checkAlertRules(options.rules);
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 60_000;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: 'intervalMs', reason: 'must be a positive integer' } });
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function evaluate(): Promise<AlertEvaluation> {
    const measured = await options.health.measure();
    const now = clock.now().toISOString();
    const firing: { tenantId: string; rule: AlertRule; value: number }[] = [];
    for (const tenant of measured) {
      for (const rule of rules) {
        const value = firingValue(rule, tenant);
        if (value !== undefined) firing.push({ tenantId: tenant.tenantId, rule, value });
      }
    }
    firing.sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : a.rule.name < b.rule.name ? -1 : 1));
    const opened: AlertEvent[] = [];
    const repeated: AlertEvent[] = [];
    if (firing.length > 0) {
      const { rows } = await options.operator.query<AlertRow & { inserted: boolean }>(UPSERT, [
        firing.map(() => randomUUID()), firing.map((f) => f.tenantId), firing.map((f) => f.rule.name),
        firing.map((f) => f.rule.metric), firing.map((f) => f.value), firing.map((f) => f.rule.threshold), now,
      ]);
      for (const row of rows) (row.inserted ? opened : repeated).push(alertFromRow(row));
    }
    const { rows: resolvedRows } = await options.operator.query<AlertRow>(RESOLVE, [firing.map((f) => f.tenantId), firing.map((f) => f.rule.name), now]);
    const resolved = resolvedRows.map(alertFromRow);
    if (options.notify) {
      // Sequential: a receiver sees one tenant's open before its resolve. Failures are the
      // sender's to report (onError); the events are stored either way.
      for (const alert of opened) await options.notify({ type: 'alert.opened', alert });
      for (const alert of resolved) await options.notify({ type: 'alert.resolved', alert });
    }
    return { opened, repeated, resolved };
  }

  return {
    evaluate,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (inFlight) return; // a slow evaluation is not stacked on
        inFlight = evaluate().catch((err: unknown) => options.onError?.(err)).finally(() => { inFlight = undefined; });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
