// The billing work that time alone makes due, run by the server on a timer: trials that ended
// become active, past-due subscriptions beyond their grace period are degraded, and periods that
// ended are closed into invoices. "Now" is the injected clock's; the timer only says how often
// to look. Every step is idempotent, so several instances ticking at once issue nothing twice.
import type { Logger } from 'pino';
import type { Billing } from 'tenantry/billing';

export interface BillingTick {
  /** Subscriptions settled or closed that failed (each logged); the others went on. */
  readonly failed: number;
  readonly invoicesIssued: number;
}

export interface BillingScheduler {
  /** One pass now (what the timer runs); a pass already running is joined, not stacked. */
  tick(): Promise<BillingTick>;
  /** Stops the timer and waits for a pass in flight. Call before the pools end. */
  close(): Promise<void>;
}

/**
 * @example
 * const scheduler = startBillingScheduler(database.billing, { logger, intervalMs: 60_000 });
 * await scheduler.close();
 */
export function startBillingScheduler(billing: Billing, options: { readonly logger: Logger; readonly intervalMs: number }): BillingScheduler {
  const { logger } = options;
  let running: Promise<BillingTick> | undefined;
  let closed = false;

  async function pass(): Promise<BillingTick> {
    // Settle first: a trial that ended before the period did is active when its invoice is issued.
    const unsettled = await billing.subscriptions.settleDue();
    const { issued, failed } = await billing.invoices.closeDue();
    for (const f of [...unsettled, ...failed]) logger.warn({ tenantId: f.tenantId, code: f.code }, 'billing: a subscription could not be settled or closed; retried next tick');
    if (issued.length > 0) logger.info({ invoices: issued.length }, 'billing: invoices issued');
    return { failed: unsettled.length + failed.length, invoicesIssued: issued.length };
  }
  const tick = (): Promise<BillingTick> => (running ??= pass().finally(() => { running = undefined; }));

  const timer = setInterval(() => {
    if (closed) return;
    tick().catch((err: unknown) => logger.warn({ err }, 'billing tick failed; retried next tick'));
  }, options.intervalMs);
  timer.unref();
  return {
    tick,
    async close() {
      closed = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
