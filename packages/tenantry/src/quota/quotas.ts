// createQuotas: the tenant-side face of the capability — limits, reservations, metering, usage
// reports and alert delivery — over one plan catalog and clock. Every method takes the caller's
// tenant scope or transaction: given a transaction, its work commits or rolls back with the
// caller's (an upload's reservation with the upload's row).
import { coreErrors, systemClock, type Clock } from '../core/index.js';
import type { TenantTransaction } from '../postgres/index.js';
import { claimAlerts, listAlerts, markDelivered, type AlertSender } from './alert-delivery.js';
import type { PlanCatalog } from './plan-catalog.js';
import { inTransaction, readTenantLimits, sqlOf, type QuotaScope, type TenantLimits, type UsageAlert } from './quota-sql.js';
import { admitLevel, consume, positiveAmount, reserve, settle, type QuotaOutcome, type Reservation } from './reservations.js';
import { pruneUsageEvents, recordUsageEvents, type RecordUsageResult, type UsageEventInput } from './usage-events.js';
import { readUsage, readUsageHistory, type CountedLevels, type UsagePoint, type UsageReport } from './usage-report.js';

export interface QuotasOptions {
  readonly catalog: PlanCatalog;
  readonly clock?: Clock;
  /** How long an uncommitted reservation holds its amount. Default 15 minutes. */
  readonly reservationTtlMs?: number;
  /** How long a claimed alert waits before another delivery may claim it again. Default 60 s. */
  readonly alertClaimMs?: number;
}

export interface Quotas {
  readonly catalog: PlanCatalog;
  /** The tenant's plan and limits in force (read now: a plan change applies at once). */
  limits(scope: QuotaScope): Promise<TenantLimits>;
  /**
   * Holds `amount` of the meter against its hard limit (QUOTA_EXCEEDED when it would pass it),
   * until {@link Quotas.commit} or {@link Quotas.release}, or until it expires.
   *
   * @example
   * const r = await quotas.reserve(tx, 'storageBytes', declaredSize);
   * // … upload …
   * await quotas.commit(tx, r.id, actualSize);
   */
  reserve(scope: QuotaScope, meter: string, amount: number, options?: { readonly ttlMs?: number }): Promise<Reservation>;
  /** Turns a reservation into usage of `actual` (default: the reserved amount); more than reserved is checked against the limit. */
  commit(scope: QuotaScope, reservationId: string, actual?: number): Promise<QuotaOutcome>;
  /** Gives a reservation's amount back. */
  release(scope: QuotaScope, reservationId: string): Promise<void>;
  /** Reserve and commit in one step. @example await quotas.consume(tx, 'projects', 1); */
  consume(scope: QuotaScope, meter: string, amount: number): Promise<QuotaOutcome>;
  /**
   * Admits `requested` more of a level the caller counts (after the meter is locked), e.g. seats.
   *
   * @example await quotas.admitLevel(tx, 'members', () => countMembers(tx), 1);
   */
  admitLevel(tx: TenantTransaction, meter: string, count: () => Promise<number>, requested?: number): Promise<QuotaOutcome>;
  /** Records usage events, each id counted once. @example await quotas.recordUsage(scope, [{ id: requestId, meter: 'apiCalls', quantity: 1 }]); */
  recordUsage(scope: QuotaScope, events: readonly UsageEventInput[]): Promise<RecordUsageResult>;
  /**
   * Deletes usage events too old to be retried (dated before the previous period, which
   * recordUsage refuses anyway); run it per tenant from a periodic job. Returns how many went.
   */
  pruneUsageEvents(scope: QuotaScope): Promise<number>;
  /** The current period's usage per meter against the limits. */
  usage(scope: QuotaScope, counted?: CountedLevels): Promise<UsageReport>;
  /** Daily usage of the last `days` days (today included). */
  history(scope: QuotaScope, days: number): Promise<{ points: UsagePoint[] }>;
  /** The tenant's alerts, newest first. */
  alerts(scope: QuotaScope): Promise<(UsageAlert & { readonly deliveredAt: Date | null })[]>;
  /**
   * Sends the tenant's undelivered alerts with `send` (outside any transaction) and marks the
   * ones that went through. Returns how many were delivered and how many failed.
   *
   * @example void quotas.deliverAlerts(scope, webhookSender).catch((err) => log.warn({ err }));
   */
  deliverAlerts(scope: QuotaScope, send: AlertSender): Promise<{ delivered: number; failed: number }>;
}

const KNOWN = ['catalog', 'clock', 'reservationTtlMs', 'alertClaimMs'];

function duration(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1000 || value > 7 * 86_400_000) throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: 'an integer of milliseconds from 1000 to 7 days' } });
  return value;
}

/**
 * @example
 * const quotas = createQuotas({ catalog });
 * await db.transaction(tenantId, (tx) => quotas.consume(tx, 'projects', 1));
 */
export function createQuotas(options: QuotasOptions): Quotas {
  if (typeof options !== 'object' || options === null) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'options', reason: 'must be an object' } });
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: key, reason: 'unknown option' } });
  const { catalog } = options;
  const clock = options.clock ?? systemClock;
  const ctx = { catalog, clock, reservationTtlMs: duration(options.reservationTtlMs, 15 * 60_000, 'reservationTtlMs') };
  const claimMs = duration(options.alertClaimMs, 60_000, 'alertClaimMs');

  const quotas: Quotas = {
    catalog,
    limits: (scope) => readTenantLimits(sqlOf(scope), scope.tenantId, catalog),
    async reserve(scope, meter, amount, opts = {}) {
      positiveAmount(amount, 'amount');
      const ttlMs = duration(opts.ttlMs, ctx.reservationTtlMs, 'ttlMs');
      return inTransaction(scope, (tx) => reserve(ctx, tx, sqlOf(tx), meter, amount, ttlMs));
    },
    async commit(scope, reservationId, actual) {
      if (actual !== undefined) positiveAmount(actual, 'actual', true);
      return inTransaction(scope, async (tx) => {
        const result = await settle(ctx, tx, sqlOf(tx), reservationId, actual ?? 'reserved');
        if (!result) throw new Error('unreachable: a commit has an outcome');
        return result;
      });
    },
    async release(scope, reservationId) {
      await inTransaction(scope, (tx) => settle(ctx, tx, sqlOf(tx), reservationId, 'release'));
    },
    async consume(scope, meter, amount) {
      positiveAmount(amount, 'amount');
      return inTransaction(scope, (tx) => consume(ctx, tx, sqlOf(tx), meter, amount));
    },
    async admitLevel(tx, meter, count, requested = 1) {
      positiveAmount(requested, 'requested');
      return admitLevel(ctx, tx, sqlOf(tx), meter, count, requested);
    },
    recordUsage: (scope, events) => inTransaction(scope, (tx) => recordUsageEvents(catalog, clock, sqlOf(tx), tx.tenantId, events)),
    pruneUsageEvents: (scope) => pruneUsageEvents(clock, sqlOf(scope), scope.tenantId),
    usage: (scope, counted) => inTransaction(scope, (tx) => readUsage(catalog, clock, sqlOf(tx), tx.tenantId, counted)),
    history: (scope, days) => readUsageHistory(clock, sqlOf(scope), scope.tenantId, days),
    alerts: (scope) => listAlerts(sqlOf(scope), scope.tenantId),
    async deliverAlerts(scope, send) {
      const claimed = await claimAlerts(sqlOf(scope), scope.tenantId, clock, claimMs);
      const sent: string[] = [];
      for (const alert of claimed) {
        try {
          await send(alert);
          sent.push(alert.id);
        } catch {
          // Left claimed: it is tried again once the claim lapses (at-least-once delivery).
        }
      }
      await markDelivered(sqlOf(scope), scope.tenantId, sent, clock);
      return { delivered: sent.length, failed: claimed.length - sent.length };
    },
  };
  return Object.freeze(quotas);
}
