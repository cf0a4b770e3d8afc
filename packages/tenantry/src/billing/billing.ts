// The billing service: a subscription per tenant (plan, period, trial, scheduled changes,
// cancellation), entitlements that follow its payments, invoices issued at each period close
// with gapless numbers per issuer, credit notes, and payment provider events. Every change runs
// in one operator transaction with the tenant set, and is recorded in the tenant's audit log in
// that transaction. Time comes from the injected clock only.
import { randomUUID } from 'node:crypto';
import { appendAuditEvent, withAuditOperator, type AuditOperatorTransaction, type JsonObject } from '../audit/index.js';
import { coreErrors, isTenantryError, parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { CacheOptions, ChangeAuthor, TenantRegistry } from '../control/index.js';
import type { SqlPool } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { invoiceFor, periodOf, readPeriodUsage, requireCatalogPlan, shiftPeriod, type Period, type Plan, type PlanCatalog } from '../quota/index.js';
import {
  displayNumber, readInvoice, readInvoices, readSubscription, SUBSCRIPTION_COLUMNS, toSubscription,
  type Entitlement, type InvoiceStatus, type StoredInvoice, type Subscription, type SubscriptionRow,
} from './billing-sql.js';
import { composeInvoice, type PendingLine } from './compose-invoice.js';
import { entitlementCache } from './entitlement-cache.js';
import { billingErrors } from './errors.js';
import { prorate, taxOf } from './proration.js';
import type { PaymentProvider, ProviderEvent } from './payment-provider.js';

export interface BillingOptions {
  /** Operator-role pool: billing is cross-tenant work, recorded in each tenant's audit log. */
  readonly operator: SqlPool;
  readonly catalog: PlanCatalog;
  /** For suspending (and restoring) a tenant through its lifecycle when it is degraded to `suspended`. */
  readonly registry: Pick<TenantRegistry, 'transition' | 'tryGet'>;
  readonly clock?: Clock;
  /** Who issues the invoices: each issuer numbers its own, without gaps. Default `INV`. */
  readonly issuer?: string;
  /** Tax in parts per million of the subtotal (200,000 = 20 %). Default 0. */
  readonly taxRatePpm?: number;
  /** How long a subscription may stay past due before the tenant is degraded. Default 14 days. */
  readonly gracePeriodMs?: number;
  /** What past due beyond the grace period does: `read_only` (default) or `suspended` (lifecycle suspend, reason `billing`). */
  readonly degradeTo?: 'read_only' | 'suspended';
  /** The payment provider, when one is used (customers, invoices, usage, events). */
  readonly provider?: PaymentProvider;
  /**
   * Tells every instance that a tenant's entitlement changed (topic `billing`), so that
   * `entitlement()` is served from this instance's cache; without one it reads every time.
   */
  readonly changeFeed?: ChangeFeed;
  /** Tuning of the entitlement cache; its max age defaults to 5 000 ms, like the tenant cache's. */
  readonly cache?: CacheOptions;
}

export interface StartSubscriptionInput {
  readonly plan: string;
  /** The end of a free trial (after now). Base is billed from then. */
  readonly trialEnd?: Date;
}

export type CancelMode = 'period_end' | 'now';

export interface CloseResult {
  readonly issued: readonly StoredInvoice[];
  readonly failed: readonly { readonly tenantId: string; readonly code: string }[];
}

export interface Billing {
  readonly subscriptions: {
    start(tenantId: TenantId | string, input: StartSubscriptionInput, by: ChangeAuthor): Promise<Subscription>;
    get(tenantId: TenantId | string): Promise<Subscription>;
    tryGet(tenantId: TenantId | string): Promise<Subscription | undefined>;
    /** A dearer plan takes effect now, prorated; any other is scheduled for the period's end. */
    changePlan(tenantId: TenantId | string, plan: string, by: ChangeAuthor): Promise<Subscription>;
    cancel(tenantId: TenantId | string, mode: CancelMode, by: ChangeAuthor): Promise<Subscription>;
    /** A failed payment: the subscription becomes past due (the grace period starts). */
    paymentFailed(tenantId: TenantId | string, by: ChangeAuthor): Promise<Subscription>;
    /** Time-based transitions now due: trial end, degradation after the grace period. Idempotent. */
    settle(tenantId: TenantId | string, by?: ChangeAuthor): Promise<Subscription>;
    /** A credit for the tenant's next invoice (a goodwill credit, a refund kept as credit). */
    addCredit(tenantId: TenantId | string, amountMinor: number, description: string, by: ChangeAuthor): Promise<void>;
    /**
     * `settle` for every subscription with a transition due now (a trial that ended, a grace
     * period that ran out): what a scheduler calls, any number of times.
     */
    settleDue(by?: ChangeAuthor): Promise<CloseResult['failed']>;
  };
  /**
   * What the tenant may do now (`full` without a subscription), from this instance's cache when
   * a change feed was given: the check on every write of a tenant costs no query once warm.
   */
  entitlement(tenantId: TenantId | string): Promise<Entitlement>;
  /** Resolves once the entitlement cache follows the change feed (before, it reads through). */
  ready(): Promise<void>;
  /** Unsubscribes the entitlement cache (the feed's connections stay the caller's). */
  close(): Promise<void>;
  readonly invoices: {
    list(tenantId: TenantId | string, options?: { readonly limit?: number; readonly status?: InvoiceStatus }): Promise<StoredInvoice[]>;
    get(tenantId: TenantId | string, invoiceId: string): Promise<StoredInvoice>;
    /** Closes the tenant's period if it has ended: issues its invoice and rolls the subscription. Returns undefined when nothing was due. */
    closePeriod(tenantId: TenantId | string, by?: ChangeAuthor): Promise<StoredInvoice | undefined>;
    /** Closes every due period of every subscription (catching up several if a close was missed). Idempotent. */
    closeDue(by?: ChangeAuthor): Promise<CloseResult>;
    markPaid(tenantId: TenantId | string, invoiceId: string, by: ChangeAuthor): Promise<StoredInvoice>;
    void(tenantId: TenantId | string, invoiceId: string, by: ChangeAuthor): Promise<StoredInvoice>;
    /** A credit note against an invoice: the whole remaining amount (every line reversed) or `amountMinor`. */
    creditNote(tenantId: TenantId | string, invoiceId: string, input: { readonly amountMinor?: number; readonly reason: string }, by: ChangeAuthor): Promise<StoredInvoice>;
  };
  readonly provider: {
    /** The configured provider's name (`stripe` …), or undefined when there is none. */
    readonly name: string | undefined;
    /** Creates the tenant's customer at the provider (once) and links it. */
    linkCustomer(tenantId: TenantId | string, input: { readonly name: string; readonly email?: string }, by: ChangeAuthor): Promise<Subscription>;
    /** Sends an invoice to the provider for collection; its usage lines as metered usage too. */
    reportInvoice(tenantId: TenantId | string, invoiceId: string, by: ChangeAuthor): Promise<StoredInvoice>;
    /** Verifies and applies a webhook: `{ applied: false }` for a redelivered event or one of no interest. */
    receive(rawBody: string | Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): Promise<{ readonly event: ProviderEvent; readonly applied: boolean }>;
  };
}

const ISSUER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const SYSTEM: ChangeAuthor = Object.freeze({ actor: 'system:billing' });
const DAY_MS = 86_400_000;
const IMMUTABLE_SQLSTATE = 'TB409';

const bad = (field: string, reason: string) => billingErrors.create('BILLING_OPTIONS_INVALID', { details: { field, reason } });
const badInput = (field: string, reason: string) => billingErrors.create('SUBSCRIPTION_INPUT_INVALID', { details: { field, reason } });
const maxDate = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);
const minDate = (a: Date, b: Date): Date => (a.getTime() <= b.getTime() ? a : b);
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/**
 * A step to take after the billing transaction commits: a lifecycle change (the registry has its
 * own transaction), or announcing a changed entitlement to every instance.
 */
type After = { readonly event: 'suspend' | 'restore' | 'entitlement'; readonly tenantId: string };

/**
 * @example
 * const billing = createBilling({ operator, catalog, registry, clock, taxRatePpm: 200_000, degradeTo: 'suspended' });
 * await billing.subscriptions.start(tenantId, { plan: 'pro', trialEnd: new Date('2026-12-14T00:00:00Z') }, { actor: 'operator:ann' });
 * await billing.invoices.closeDue(); // from a scheduler, any number of times
 */
export function createBilling(options: BillingOptions): Billing {
  const { operator, catalog, registry } = options;
  const clock = options.clock ?? systemClock;
  const issuer = options.issuer ?? 'INV';
  const taxRatePpm = options.taxRatePpm ?? 0;
  const graceMs = options.gracePeriodMs ?? 14 * DAY_MS;
  const degradeTo: Entitlement = options.degradeTo ?? 'read_only';
  if (!ISSUER.test(issuer)) throw bad('issuer', 'must be 1–32 letters, digits, "_" or "-", starting with a letter or digit');
  if (!Number.isSafeInteger(taxRatePpm) || taxRatePpm < 0 || taxRatePpm > 1_000_000) throw bad('taxRatePpm', 'must be an integer from 0 to 1,000,000');
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw bad('gracePeriodMs', 'must be a non-negative integer');
  if (degradeTo !== 'read_only' && degradeTo !== 'suspended') throw bad('degradeTo', 'must be read_only or suspended');
  const entitlements = entitlementCache(operator, options.changeFeed, options.cache);

  /** One operator transaction for the tenant; lifecycle steps run after it commits. */
  async function inTenant<T>(rawId: TenantId | string, work: (tx: AuditOperatorTransaction, after: After[]) => Promise<T>): Promise<T> {
    const id = parseTenantId(rawId);
    const after: After[] = [];
    let result: T;
    try {
      result = await withAuditOperator(operator, id, (tx) => work(tx, after));
    } catch (err) {
      if (isTenantryError(err) && err.details.sqlstate === IMMUTABLE_SQLSTATE) throw billingErrors.create('INVOICE_IMMUTABLE', { cause: err });
      throw err;
    }
    for (const step of after) await lifecycle(step);
    return result;
  }

  // The registry's own transition, audited there with reason `billing`. Run after the billing
  // change committed; `settle` repeats it if it failed (the subscription still says suspended).
  async function lifecycle(step: After): Promise<void> {
    if (step.event === 'entitlement') return entitlements.changed(parseTenantId(step.tenantId));
    const tenant = await registry.tryGet(step.tenantId);
    if (!tenant) return;
    if (step.event === 'suspend' && tenant.status !== 'active') return;
    if (step.event === 'restore' && tenant.status !== 'suspended') return;
    await registry.transition(step.tenantId, step.event, { by: SYSTEM, reason: 'billing' });
  }

  const audit = (tx: AuditOperatorTransaction, by: ChangeAuthor, action: string, target: string, details: JsonObject) =>
    appendAuditEvent(tx, { actor: by.actor, action, target, ...(by.requestId === undefined ? {} : { requestId: by.requestId }), details }, { clock });

  async function lockSubscription(tx: AuditOperatorTransaction): Promise<SubscriptionRow> {
    const row = await readSubscription(tx, tx.tenantId, true);
    if (!row) throw billingErrors.create('SUBSCRIPTION_NOT_FOUND');
    return row;
  }

  async function update(tx: AuditOperatorTransaction, set: Partial<Record<keyof SubscriptionRow, unknown>>): Promise<SubscriptionRow> {
    const columns = Object.keys(set);
    const assignments = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
    const { rows } = await tx.query<SubscriptionRow>(
      `UPDATE tenantry.subscriptions SET ${assignments}, updated_at = $${columns.length + 2}, version = version + 1
        WHERE tenant = $1 RETURNING ${SUBSCRIPTION_COLUMNS}`,
      [tx.tenantId, ...columns.map((c) => set[c as keyof SubscriptionRow]), clock.now()],
    );
    return rows[0] as SubscriptionRow;
  }

  /** The tenant's plan in the registry, which quotas and rate limits read: follows the subscription. */
  async function setTenantPlan(tx: AuditOperatorTransaction, plan: string): Promise<void> {
    await tx.query('UPDATE tenantry.tenants SET plan = $2, updated_at = $3, version = version + 1 WHERE id = $1 AND plan <> $2', [tx.tenantId, plan, clock.now()]);
  }

  async function addPending(tx: AuditOperatorTransaction, period: Period, line: PendingLine): Promise<void> {
    if (line.amountMinor === 0) return;
    await tx.query(
      `INSERT INTO tenantry.billing_pending_lines (tenant_id, id, seq, period, kind, description, quantity, amount_minor, created_at)
       SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM tenantry.billing_pending_lines WHERE tenant_id = $1`,
      [tx.tenantId, randomUUID(), period.name, line.kind, line.description, line.quantity, line.amountMinor, clock.now()],
    );
  }

  const periodOfRow = (row: SubscriptionRow): Period => periodOf(row.current_period_start);

  // Transitions that time alone makes due: the trial's end, and degradation after the grace period.
  async function settleIn(tx: AuditOperatorTransaction, row: SubscriptionRow, by: ChangeAuthor, after: After[]): Promise<SubscriptionRow> {
    const now = clock.now();
    let current = row;
    if (current.status === 'trialing' && current.trial_end !== null && current.trial_end.getTime() <= now.getTime()) {
      current = await update(tx, { status: 'active' });
      await audit(tx, by, 'billing.subscription.activate', `subscription:${tx.tenantId}`, { from: 'trialing', to: 'active', reason: 'trial_ended' });
    }
    if (current.status === 'past_due' && current.entitlement === 'full' && current.past_due_since !== null
      && now.getTime() - current.past_due_since.getTime() >= graceMs) {
      current = await update(tx, { entitlement: degradeTo });
      after.push({ event: 'entitlement', tenantId: tx.tenantId });
      await audit(tx, by, 'billing.entitlement.degrade', `subscription:${tx.tenantId}`, { from: 'full', to: degradeTo, pastDueSince: iso(current.past_due_since) });
    }
    // Also retries a suspension whose lifecycle step failed after its change committed.
    if (current.entitlement === 'suspended') after.push({ event: 'suspend', tenantId: tx.tenantId });
    return current;
  }

  // Back to full entitlement once nothing is overdue: after a payment, or a void.
  async function restoreIfSettled(tx: AuditOperatorTransaction, row: SubscriptionRow, by: ChangeAuthor, after: After[]): Promise<SubscriptionRow> {
    if (row.status !== 'past_due') return row;
    const { rows } = await tx.query<{ n: string }>(
      "SELECT count(*) AS n FROM tenantry.invoices WHERE tenant_id = $1 AND kind = 'invoice' AND status = 'open' AND total_minor > 0", [tx.tenantId]);
    if (Number(rows[0]?.n ?? 0) > 0) return row;
    const updated = await update(tx, { status: 'active', past_due_since: null, entitlement: 'full' });
    if (row.entitlement !== 'full') after.push({ event: 'entitlement', tenantId: tx.tenantId });
    await audit(tx, by, 'billing.subscription.restore', `subscription:${tx.tenantId}`, { from: 'past_due', to: 'active', entitlement: { from: row.entitlement, to: 'full' } });
    if (row.entitlement === 'suspended') after.push({ event: 'restore', tenantId: tx.tenantId });
    return updated;
  }

  function requirePlan(name: string, currency?: string): Plan {
    const plan = requireCatalogPlan(catalog, name);
    if (currency !== undefined && plan.price.currency !== currency) throw billingErrors.create('BILLING_CURRENCY_MISMATCH', { details: { plan: name, currency } });
    return plan;
  }

  // ---- subscriptions ------------------------------------------------------------------------

  async function start(tenantId: TenantId | string, input: StartSubscriptionInput, by: ChangeAuthor): Promise<Subscription> {
    const plan = requirePlan(input.plan);
    const now = clock.now();
    if (input.trialEnd !== undefined && (!(input.trialEnd instanceof Date) || Number.isNaN(input.trialEnd.getTime()) || input.trialEnd.getTime() <= now.getTime())) {
      throw badInput('trialEnd', 'must be a time after now');
    }
    return inTenant(tenantId, async (tx) => {
      const { rows: [tenant] } = await tx.query<{ status: string }>('SELECT status FROM tenantry.tenants WHERE id = $1 FOR UPDATE', [tx.tenantId]);
      if (!tenant || tenant.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
      if (await readSubscription(tx, tx.tenantId)) throw billingErrors.create('SUBSCRIPTION_EXISTS');
      const period = periodOf(now);
      const trialEnd = input.trialEnd ?? null;
      const billableFrom = minDate(maxDate(now, trialEnd ?? now), period.end);
      const status = trialEnd === null ? 'active' : 'trialing';
      const { rows } = await tx.query<SubscriptionRow>(
        `INSERT INTO tenantry.subscriptions (tenant, plan, status, currency, anchor, trial_end, current_period_start, current_period_end,
           period_plan, billable_from, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $2, $9, $5, $5) RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [tx.tenantId, plan.name, status, plan.price.currency, now, trialEnd, period.start, period.end, billableFrom],
      );
      await setTenantPlan(tx, plan.name);
      await audit(tx, by, 'billing.subscription.start', `subscription:${tx.tenantId}`, {
        plan: plan.name, status, currency: plan.price.currency, trialEnd: iso(trialEnd), periodStart: period.start.toISOString(), periodEnd: period.end.toISOString(),
      });
      return toSubscription(rows[0] as SubscriptionRow);
    });
  }

  async function tryGet(tenantId: TenantId | string): Promise<Subscription | undefined> {
    return withAuditOperator(operator, tenantId, async (tx) => {
      const row = await readSubscription(tx, tx.tenantId);
      return row ? toSubscription(row) : undefined;
    });
  }

  async function changePlan(tenantId: TenantId | string, planName: string, by: ChangeAuthor): Promise<Subscription> {
    await closeCaughtUp(tenantId, by);
    return inTenant(tenantId, async (tx, after) => {
      let row = await settleIn(tx, await lockSubscription(tx), by, after);
      if (row.status === 'canceled' || row.cancel_at_period_end) throw billingErrors.create('SUBSCRIPTION_CANCELED');
      const next = requirePlan(planName, row.currency);
      const current = requirePlan(row.plan);
      const target = `subscription:${tx.tenantId}`;
      if (next.name === current.name) {
        if (row.scheduled_plan === null) return toSubscription(row);
        row = await update(tx, { scheduled_plan: null });
        await audit(tx, by, 'billing.subscription.schedule_cleared', target, { plan: current.name });
        return toSubscription(row);
      }
      const period = periodOfRow(row);
      if (next.price.baseMinor > current.price.baseMinor) {
        // An upgrade, now: credit the old plan's unused part, charge the new plan's, to the second.
        const from = maxDate(clock.now(), row.billable_from);
        const credit = -prorate(current.price.baseMinor, period, from, period.end);
        const charge = prorate(next.price.baseMinor, period, from, period.end);
        const when = from.toISOString();
        await addPending(tx, period, { kind: 'proration', description: `Unused ${current.name} from ${when}`, quantity: 1, amountMinor: credit });
        await addPending(tx, period, { kind: 'proration', description: `${next.name} from ${when}`, quantity: 1, amountMinor: charge });
        row = await update(tx, { plan: next.name, scheduled_plan: null });
        await setTenantPlan(tx, next.name);
        await audit(tx, by, 'billing.subscription.upgrade', target, { from: current.name, to: next.name, at: when, creditMinor: credit, chargeMinor: charge });
      } else {
        row = await update(tx, { scheduled_plan: next.name });
        await audit(tx, by, 'billing.subscription.downgrade_scheduled', target, { from: current.name, to: next.name, effectiveAt: period.end.toISOString() });
      }
      return toSubscription(row);
    });
  }

  async function cancel(tenantId: TenantId | string, mode: CancelMode, by: ChangeAuthor): Promise<Subscription> {
    if (mode !== 'now' && mode !== 'period_end') throw badInput('mode', 'must be now or period_end');
    await closeCaughtUp(tenantId, by);
    return inTenant(tenantId, async (tx, after) => {
      let row = await settleIn(tx, await lockSubscription(tx), by, after);
      if (row.status === 'canceled') throw billingErrors.create('SUBSCRIPTION_CANCELED');
      const target = `subscription:${tx.tenantId}`;
      if (mode === 'period_end') {
        row = await update(tx, { cancel_at_period_end: true, scheduled_plan: null });
        await audit(tx, by, 'billing.subscription.cancel_scheduled', target, { effectiveAt: row.current_period_end.toISOString() });
        return toSubscription(row);
      }
      const period = periodOfRow(row);
      const now = clock.now();
      const from = maxDate(now, row.billable_from);
      const credit = -prorate(requirePlan(row.plan).price.baseMinor, period, from, period.end);
      await addPending(tx, period, { kind: 'proration', description: `Unused ${row.plan} from ${from.toISOString()} (canceled)`, quantity: 1, amountMinor: credit });
      row = await update(tx, { status: 'canceled', canceled_at: now, scheduled_plan: null, cancel_at_period_end: false });
      await audit(tx, by, 'billing.subscription.cancel', target, { at: now.toISOString(), creditMinor: credit });
      return toSubscription(row);
    });
  }

  async function paymentFailed(tenantId: TenantId | string, by: ChangeAuthor): Promise<Subscription> {
    return inTenant(tenantId, async (tx, after) => {
      let row = await settleIn(tx, await lockSubscription(tx), by, after);
      if (row.status === 'canceled') return toSubscription(row);
      if (row.status !== 'past_due') {
        const from = row.status;
        row = await update(tx, { status: 'past_due', past_due_since: clock.now() });
        await audit(tx, by, 'billing.subscription.past_due', `subscription:${tx.tenantId}`, { from, to: 'past_due', graceEndsAt: new Date(clock.now().getTime() + graceMs).toISOString() });
      }
      return toSubscription(await settleIn(tx, row, by, after));
    });
  }

  async function settle(tenantId: TenantId | string, by: ChangeAuthor = SYSTEM): Promise<Subscription> {
    return inTenant(tenantId, async (tx, after) => toSubscription(await settleIn(tx, await lockSubscription(tx), by, after)));
  }

  async function addCredit(tenantId: TenantId | string, amountMinor: number, description: string, by: ChangeAuthor): Promise<void> {
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw badInput('amountMinor', 'must be a positive integer (minor units)');
    if (typeof description !== 'string' || description.length < 1 || description.length > 200) throw badInput('description', 'must be 1–200 characters');
    await inTenant(tenantId, async (tx) => {
      const row = await lockSubscription(tx);
      if (row.ended_at !== null) throw billingErrors.create('SUBSCRIPTION_CANCELED');
      await addPending(tx, periodOfRow(row), { kind: 'credit', description, quantity: 1, amountMinor: -amountMinor });
      await audit(tx, by, 'billing.credit.add', `subscription:${tx.tenantId}`, { amountMinor: -amountMinor, description });
    });
  }

  // ---- invoices -----------------------------------------------------------------------------

  async function nextNumber(tx: AuditOperatorTransaction): Promise<number> {
    // The counter row stays locked until this transaction ends: concurrent closes take numbers
    // one after the other, and a rollback gives the number back (no gap). Taken last, so the
    // lock is held only for the inserts that follow.
    const { rows } = await tx.query<{ last_number: string }>(
      `INSERT INTO tenantry.invoice_counters AS c (issuer, last_number) VALUES ($1, 1)
       ON CONFLICT (issuer) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number`, [issuer]);
    return Number(rows[0]?.last_number);
  }

  async function insertInvoice(tx: AuditOperatorTransaction, invoice: {
    kind: 'invoice' | 'credit_note'; corrects: string | null; period: string; plan: string; currency: string;
    subtotalMinor: number; taxRatePpm: number; taxMinor: number; totalMinor: number; status: InvoiceStatus; lines: readonly { kind: string; meter: string | null; description: string; quantity: number; unitPriceMinor: number; amountMinor: number }[];
  }): Promise<string> {
    const id = randomUUID();
    const number = await nextNumber(tx);
    await tx.query('INSERT INTO tenantry.invoice_numbers (issuer, number, tenant, invoice) VALUES ($1, $2, $3, $4)', [issuer, number, tx.tenantId, id]);
    const now = clock.now();
    await tx.query(
      `INSERT INTO tenantry.invoices (tenant_id, id, issuer, number, kind, corrects, period, plan, currency, subtotal_minor, tax_rate_ppm, tax_minor,
         total_minor, status, issued_at, paid_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [tx.tenantId, id, issuer, number, invoice.kind, invoice.corrects, invoice.period, invoice.plan, invoice.currency, invoice.subtotalMinor,
        invoice.taxRatePpm, invoice.taxMinor, invoice.totalMinor, invoice.status, now, invoice.status === 'paid' ? now : null],
    );
    await tx.query(
      `INSERT INTO tenantry.invoice_lines (tenant_id, invoice_id, position, kind, meter, description, quantity, unit_price_minor, amount_minor)
       SELECT $1, $2, l.position, l.kind, l.meter, l.description, l.quantity, l.unit_price, l.amount
         FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
           AS l(position, kind, meter, description, quantity, unit_price, amount)`,
      [tx.tenantId, id, invoice.lines.map((_, i) => i), invoice.lines.map((l) => l.kind), invoice.lines.map((l) => l.meter),
        invoice.lines.map((l) => l.description), invoice.lines.map((l) => l.quantity), invoice.lines.map((l) => l.unitPriceMinor), invoice.lines.map((l) => l.amountMinor)],
    );
    return id;
  }

  async function closePeriod(tenantId: TenantId | string, by: ChangeAuthor = SYSTEM): Promise<StoredInvoice | undefined> {
    return inTenant(tenantId, async (tx, after) => {
      let row = await lockSubscription(tx);
      const now = clock.now();
      if (row.ended_at !== null || row.current_period_end.getTime() > now.getTime()) return undefined;
      row = await settleIn(tx, row, by, after);
      const period = periodOfRow(row);
      const target = `subscription:${tx.tenantId}`;
      const periodPlan = requirePlan(row.period_plan);
      const plan = requirePlan(row.plan);
      const usage = await readPeriodUsage(tx, catalog, tx.tenantId, period);
      const overage = invoiceFor(plan, { tenantId: tx.tenantId, slug: '', period: period.name }, usage).lines;
      const { rows: pendingRows } = await tx.query<{ id: string; kind: 'proration' | 'credit'; description: string; quantity: string; amount_minor: string }>(
        `SELECT id, kind, description, quantity, amount_minor FROM tenantry.billing_pending_lines
          WHERE tenant_id = $1 AND period = $2 AND invoice_id IS NULL ORDER BY seq FOR UPDATE`, [tx.tenantId, period.name]);
      const composed = composeInvoice({
        plan: periodPlan.name,
        baseMinor: prorate(periodPlan.price.baseMinor, period, row.billable_from, period.end),
        overage,
        pending: pendingRows.map((p) => ({ kind: p.kind, description: p.description, quantity: Number(p.quantity), amountMinor: Number(p.amount_minor) })),
        taxRatePpm,
      });
      const next = shiftPeriod(period, 1);
      if (composed.carriedMinor < 0) await addPending(tx, next, { kind: 'credit', description: `Credit carried from ${period.name}`, quantity: 1, amountMinor: composed.carriedMinor });
      const id = await insertInvoice(tx, {
        kind: 'invoice', corrects: null, period: period.name, plan: plan.name, currency: row.currency, subtotalMinor: composed.subtotalMinor, taxRatePpm,
        taxMinor: composed.taxMinor, totalMinor: composed.totalMinor, status: composed.totalMinor === 0 ? 'paid' : 'open', lines: composed.lines,
      });
      if (pendingRows.length > 0) await tx.query('UPDATE tenantry.billing_pending_lines SET invoice_id = $2 WHERE tenant_id = $1 AND id = ANY($3::uuid[])', [tx.tenantId, id, pendingRows.map((p) => p.id)]);
      const invoice = await readInvoice(tx, tx.tenantId, id) as StoredInvoice;
      await audit(tx, by, 'billing.invoice.issue', `invoice:${id}`, { number: invoice.displayNumber, period: period.name, currency: invoice.currency, totalMinor: invoice.totalMinor, status: invoice.status });
      // Roll the subscription into the next period (or end it).
      if (row.status === 'canceled' || row.cancel_at_period_end) {
        const wasCanceled = row.status === 'canceled';
        row = await update(tx, { status: 'canceled', canceled_at: row.canceled_at ?? period.end, ended_at: period.end, cancel_at_period_end: false });
        if (!wasCanceled) await audit(tx, by, 'billing.subscription.cancel', target, { at: period.end.toISOString(), reason: 'period_end' });
      } else {
        const nextPlan = row.scheduled_plan ?? row.plan;
        const billableFrom = minDate(maxDate(next.start, row.trial_end ?? next.start), next.end);
        row = await update(tx, {
          plan: nextPlan, period_plan: nextPlan, scheduled_plan: null, current_period_start: next.start, current_period_end: next.end, billable_from: billableFrom,
        });
        if (nextPlan !== plan.name) {
          await setTenantPlan(tx, nextPlan);
          await audit(tx, by, 'billing.subscription.downgrade', target, { from: plan.name, to: nextPlan, at: next.start.toISOString() });
        }
      }
      return invoice;
    });
  }

  /** Closes the tenant's due periods one after the other (a change must apply to the open period). */
  async function closeCaughtUp(tenantId: TenantId | string, by: ChangeAuthor): Promise<StoredInvoice[]> {
    const issued: StoredInvoice[] = [];
    for (;;) {
      const invoice = await closePeriod(tenantId, by);
      if (!invoice) return issued;
      issued.push(invoice);
    }
  }

  /**
   * Runs `work` for every subscription `where` selects (with `params`), a page at a time; one
   * tenant's failure (a plan missing from the catalog) is reported and the others still run.
   */
  async function forEachSubscription(where: string, params: readonly unknown[], work: (tenantId: string) => Promise<void>): Promise<CloseResult['failed']> {
    const failed: { tenantId: string; code: string }[] = [];
    let cursor = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      // The operator sees every subscription row (like the registry).
      const { rows } = await operator.query<{ tenant: string }>(
        `SELECT tenant FROM tenantry.subscriptions WHERE (${where}) AND tenant > $${params.length + 1} ORDER BY tenant LIMIT 200`,
        [...params, cursor]);
      if (rows.length === 0) break;
      for (const { tenant: tenantId } of rows) {
        cursor = tenantId;
        try {
          await work(tenantId);
        } catch (err) {
          failed.push({ tenantId, code: isTenantryError(err) ? err.code : 'INTERNAL' });
        }
      }
    }
    return failed;
  }

  async function closeDue(by: ChangeAuthor = SYSTEM): Promise<CloseResult> {
    const issued: StoredInvoice[] = [];
    const failed = await forEachSubscription('ended_at IS NULL AND current_period_end <= $1', [clock.now()], async (tenantId) => {
      issued.push(...await closeCaughtUp(tenantId, by));
    });
    return { issued, failed };
  }

  // The same conditions as settleIn's, so that a tick touches only subscriptions with work due.
  const settleDue = (by: ChangeAuthor = SYSTEM): Promise<CloseResult['failed']> => forEachSubscription(
    "(status = 'trialing' AND trial_end <= $1) OR (status = 'past_due' AND entitlement = 'full' AND past_due_since <= $2)",
    [clock.now(), new Date(clock.now().getTime() - graceMs)], async (tenantId) => { await settle(tenantId, by); });

  async function getInvoice(tx: AuditOperatorTransaction, invoiceId: string, lock = false): Promise<StoredInvoice> {
    const invoice = await readInvoice(tx, tx.tenantId, String(invoiceId).toLowerCase(), lock);
    if (!invoice) throw billingErrors.create('INVOICE_NOT_FOUND');
    return invoice;
  }

  async function setStatus(tenantId: TenantId | string, invoiceId: string, status: 'paid' | 'void', by: ChangeAuthor): Promise<StoredInvoice> {
    return inTenant(tenantId, async (tx, after) => {
      const invoice = await getInvoice(tx, invoiceId, true);
      if (invoice.status === status) return invoice;
      if (invoice.status !== 'open') throw billingErrors.create('INVOICE_IMMUTABLE', { details: { status: invoice.status } });
      await tx.query(`UPDATE tenantry.invoices SET status = $3, ${status === 'paid' ? 'paid_at' : 'voided_at'} = $4 WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, invoice.id, status, clock.now()]);
      await audit(tx, by, `billing.invoice.${status}`, `invoice:${invoice.id}`, { number: invoice.displayNumber, totalMinor: invoice.totalMinor });
      const row = await readSubscription(tx, tx.tenantId, true);
      if (row) await restoreIfSettled(tx, row, by, after);
      return getInvoice(tx, invoice.id);
    });
  }

  async function creditNote(tenantId: TenantId | string, invoiceId: string, input: { readonly amountMinor?: number; readonly reason: string }, by: ChangeAuthor): Promise<StoredInvoice> {
    const invalid = (reason: string) => billingErrors.create('CREDIT_NOTE_INVALID', { details: { reason } });
    if (typeof input.reason !== 'string' || input.reason.length < 1 || input.reason.length > 200) throw invalid('the reason must be 1–200 characters');
    return inTenant(tenantId, async (tx) => {
      const original = await getInvoice(tx, invoiceId, true);
      if (original.kind !== 'invoice') throw invalid('a credit note corrects an invoice, not another credit note');
      if (original.status === 'void') throw invalid('the invoice is void: nothing is owed to correct');
      const { rows } = await tx.query<{ credited: string | null; n: string }>(
        "SELECT -sum(subtotal_minor) AS credited, count(*) AS n FROM tenantry.invoices WHERE tenant_id = $1 AND corrects = $2", [tx.tenantId, original.id]);
      const credited = Number(rows[0]?.credited ?? 0);
      const remaining = original.subtotalMinor - credited;
      const amount = input.amountMinor ?? remaining;
      if (!Number.isSafeInteger(amount) || amount <= 0 || amount > remaining) throw invalid(`the amount must be an integer from 1 to ${remaining} (what is left of the invoice's subtotal)`);
      // A full first correction reverses every line and the tax exactly: the pair sums to zero.
      const full = credited === 0 && amount === original.subtotalMinor;
      const lines = full
        ? original.lines.map((l) => ({ kind: 'correction', meter: l.meter, description: `Reverses: ${l.description}`.slice(0, 500), quantity: l.quantity, unitPriceMinor: -l.unitPriceMinor, amountMinor: -l.amountMinor }))
        : [{ kind: 'correction', meter: null, description: input.reason, quantity: 1, unitPriceMinor: -amount, amountMinor: -amount }];
      const taxMinor = full ? -original.taxMinor : taxOf(-amount, original.taxRatePpm);
      const id = await insertInvoice(tx, {
        kind: 'credit_note', corrects: original.id, period: original.period, plan: original.plan, currency: original.currency,
        // The corrected invoice's rate, whatever the configuration says today.
        subtotalMinor: -amount, taxRatePpm: original.taxRatePpm, taxMinor, totalMinor: -amount + taxMinor, status: 'open', lines,
      });
      const note = await getInvoice(tx, id);
      await audit(tx, by, 'billing.credit_note.issue', `invoice:${id}`, { number: note.displayNumber, corrects: original.displayNumber, totalMinor: note.totalMinor, reason: input.reason });
      return note;
    });
  }

  // ---- payment provider ---------------------------------------------------------------------

  function requireProvider(): PaymentProvider {
    if (!options.provider) throw billingErrors.create('PAYMENT_PROVIDER_NOT_CONFIGURED', { details: { provider: null } });
    return options.provider;
  }

  async function linkCustomer(tenantId: TenantId | string, input: { readonly name: string; readonly email?: string }, by: ChangeAuthor): Promise<Subscription> {
    const provider = requireProvider();
    const id = parseTenantId(tenantId);
    const existing = await tryGet(id);
    if (!existing) throw billingErrors.create('SUBSCRIPTION_NOT_FOUND');
    if (existing.provider === provider.name && existing.providerCustomerId !== null) return existing;
    // The provider call is idempotent by tenant (the adapter sends an idempotency key), so a
    // retry after a failed write here finds the same customer.
    const { customerId } = await provider.createCustomer({ tenantId: id, name: input.name, ...(input.email === undefined ? {} : { email: input.email }) });
    return inTenant(id, async (tx) => {
      await lockSubscription(tx);
      const row = await update(tx, { provider: provider.name, provider_customer_id: customerId });
      await audit(tx, by, 'billing.provider.link', `subscription:${tx.tenantId}`, { provider: provider.name, customerId });
      return toSubscription(row);
    });
  }

  async function reportInvoice(tenantId: TenantId | string, invoiceId: string, by: ChangeAuthor): Promise<StoredInvoice> {
    const provider = requireProvider();
    const id = parseTenantId(tenantId);
    const subscription = await tryGet(id);
    if (!subscription?.providerCustomerId) throw bad('provider', 'the tenant has no customer at the provider: link it first');
    const invoice = await withAuditOperator(operator, id, (tx) => getInvoice(tx, invoiceId));
    if (invoice.providerInvoiceId !== null) return invoice;
    const customerId = subscription.providerCustomerId;
    const { providerInvoiceId } = await provider.reportInvoice({ customerId, invoice });
    // Overage lines also go out as metered usage, keyed by invoice and meter (idempotent there).
    for (const line of invoice.lines) {
      if (line.kind !== 'overage' || line.meter === null || line.quantity <= 0) continue;
      await provider.reportUsage({ customerId, meter: line.meter, quantity: line.quantity, at: invoice.issuedAt, idempotencyKey: `${invoice.id}:${line.meter}` });
    }
    return inTenant(id, async (tx) => {
      await getInvoice(tx, invoice.id, true);
      await tx.query('UPDATE tenantry.invoices SET provider_invoice_id = $3 WHERE tenant_id = $1 AND id = $2 AND provider_invoice_id IS NULL', [tx.tenantId, invoice.id, providerInvoiceId]);
      await audit(tx, by, 'billing.invoice.report', `invoice:${invoice.id}`, { provider: provider.name, providerInvoiceId });
      return getInvoice(tx, invoice.id);
    });
  }

  async function receive(rawBody: string | Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): Promise<{ event: ProviderEvent; applied: boolean }> {
    const provider = requireProvider();
    const event = await provider.parseEvent(rawBody, headers);
    const by: ChangeAuthor = { actor: `provider:${provider.name}` };
    const { rows } = await operator.query<{ tenant: string }>('SELECT tenant FROM tenantry.subscriptions WHERE provider = $1 AND provider_customer_id = $2', [provider.name, event.customerId ?? '']);
    const tenantId = rows[0]?.tenant;
    if (tenantId === undefined || event.kind === 'ignored') {
      // Recorded all the same, so a redelivery is recognised without looking it up again.
      await operator.query(`INSERT INTO tenantry.billing_provider_events (provider, event_id, type, tenant, received_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING`, [provider.name, event.id, event.type, tenantId ?? null, clock.now()]);
      return { event, applied: false };
    }
    const applied = await inTenant(tenantId, async (tx, after) => {
      // The event id is recorded in the transaction that applies it: applied exactly once.
      const { rows: inserted } = await tx.query(`INSERT INTO tenantry.billing_provider_events (provider, event_id, type, tenant, received_at)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING event_id`, [provider.name, event.id, event.type, tenantId, clock.now()]);
      if (inserted.length === 0) return false;
      let row = await settleIn(tx, await lockSubscription(tx), by, after);
      const target = `subscription:${tx.tenantId}`;
      if (event.kind === 'invoice_paid' || event.kind === 'invoice_failed') {
        const { rows: found } = await tx.query<{ id: string }>(
          'SELECT id FROM tenantry.invoices WHERE tenant_id = $1 AND (provider_invoice_id = $2 OR id::text = $3) FOR UPDATE',
          [tx.tenantId, event.providerInvoiceId ?? '', event.invoiceId ?? '']);
        const invoice = found[0] ? await getInvoice(tx, found[0].id) : undefined;
        if (event.kind === 'invoice_paid') {
          if (invoice?.status === 'open') {
            await tx.query("UPDATE tenantry.invoices SET status = 'paid', paid_at = $3 WHERE tenant_id = $1 AND id = $2", [tx.tenantId, invoice.id, clock.now()]);
            await audit(tx, by, 'billing.invoice.paid', `invoice:${invoice.id}`, { number: invoice.displayNumber, totalMinor: invoice.totalMinor, eventId: event.id });
          }
          await restoreIfSettled(tx, row, by, after);
        } else if (row.status !== 'canceled' && row.status !== 'past_due') {
          const from = row.status;
          row = await update(tx, { status: 'past_due', past_due_since: clock.now() });
          await audit(tx, by, 'billing.subscription.past_due', target, { from, to: 'past_due', eventId: event.id, ...(invoice ? { invoice: invoice.displayNumber } : {}) });
        }
      } else if (event.kind === 'subscription_canceled' && row.status !== 'canceled') {
        // Canceled at the provider: it collects nothing more, so the subscription ends with this period.
        const from = row.status;
        row = await update(tx, { cancel_at_period_end: true, scheduled_plan: null });
        await audit(tx, by, 'billing.subscription.cancel_scheduled', target, { from, eventId: event.id, effectiveAt: row.current_period_end.toISOString() });
      }
      return true;
    });
    return { event, applied };
  }

  return {
    subscriptions: {
      start,
      tryGet,
      async get(tenantId) {
        const subscription = await tryGet(tenantId);
        if (!subscription) throw billingErrors.create('SUBSCRIPTION_NOT_FOUND');
        return subscription;
      },
      changePlan,
      cancel,
      paymentFailed,
      settle,
      addCredit,
      settleDue,
    },
    invoices: {
      list: (tenantId, listOptions = {}) => withAuditOperator(operator, tenantId, (tx) => readInvoices(tx, tx.tenantId, listOptions)),
      get: (tenantId, invoiceId) => withAuditOperator(operator, tenantId, (tx) => getInvoice(tx, invoiceId)),
      closePeriod,
      closeDue,
      markPaid: (tenantId, invoiceId, by) => setStatus(tenantId, invoiceId, 'paid', by),
      void: (tenantId, invoiceId, by) => setStatus(tenantId, invoiceId, 'void', by),
      creditNote,
    },
    provider: { name: options.provider?.name, linkCustomer, reportInvoice, receive },
    entitlement: (tenantId) => entitlements.get(parseTenantId(tenantId)),
    ready: () => entitlements.ready(),
    close: () => entitlements.close(),
  };
}

export { displayNumber };
