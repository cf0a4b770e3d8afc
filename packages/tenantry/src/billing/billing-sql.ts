// Rows of the billing tables and their mapping to the public types, and the statements the
// subscription and invoice services share. Every statement runs in an operator transaction with
// the tenant set (withAuditOperator), or a tenant scope for the tenant's own reads.
import type { SqlQueryable } from '../postgres/index.js';
import type { InvoiceLine, InvoiceLineKind } from './compose-invoice.js';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** What the tenant may still do: everything, read only, or nothing (suspended in the registry). */
export type Entitlement = 'full' | 'read_only' | 'suspended';

export interface Subscription {
  readonly tenantId: string;
  readonly plan: string;
  readonly status: SubscriptionStatus;
  readonly currency: string;
  /** When the subscription started. Periods are UTC calendar months (quota/period.ts). */
  readonly anchor: Date;
  readonly trialEnd: Date | null;
  readonly currentPeriod: { readonly start: Date; readonly end: Date; readonly plan: string; readonly billableFrom: Date };
  readonly scheduledPlan: string | null;
  readonly cancelAtPeriodEnd: boolean;
  readonly canceledAt: Date | null;
  readonly endedAt: Date | null;
  readonly pastDueSince: Date | null;
  readonly entitlement: Entitlement;
  readonly provider: string | null;
  readonly providerCustomerId: string | null;
  readonly version: number;
}

export interface SubscriptionRow {
  tenant: string; plan: string; status: SubscriptionStatus; currency: string; anchor: Date; trial_end: Date | null;
  current_period_start: Date; current_period_end: Date; period_plan: string; billable_from: Date; scheduled_plan: string | null;
  cancel_at_period_end: boolean; canceled_at: Date | null; ended_at: Date | null; past_due_since: Date | null; entitlement: Entitlement;
  provider: string | null; provider_customer_id: string | null; version: number;
}

export const SUBSCRIPTION_COLUMNS = `tenant, plan, status, currency, anchor, trial_end, current_period_start, current_period_end, period_plan,
  billable_from, scheduled_plan, cancel_at_period_end, canceled_at, ended_at, past_due_since, entitlement, provider, provider_customer_id, version`;

export function toSubscription(r: SubscriptionRow): Subscription {
  return Object.freeze({
    tenantId: r.tenant, plan: r.plan, status: r.status, currency: r.currency, anchor: r.anchor, trialEnd: r.trial_end,
    currentPeriod: Object.freeze({ start: r.current_period_start, end: r.current_period_end, plan: r.period_plan, billableFrom: r.billable_from }),
    scheduledPlan: r.scheduled_plan, cancelAtPeriodEnd: r.cancel_at_period_end, canceledAt: r.canceled_at, endedAt: r.ended_at,
    pastDueSince: r.past_due_since, entitlement: r.entitlement, provider: r.provider, providerCustomerId: r.provider_customer_id, version: r.version,
  });
}

export type InvoiceStatus = 'open' | 'paid' | 'void';
export type InvoiceKind = 'invoice' | 'credit_note';

export interface StoredInvoice {
  readonly id: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly number: number;
  /** `<issuer>-<number, six digits>`, what a customer reads. */
  readonly displayNumber: string;
  readonly kind: InvoiceKind;
  /** The invoice a credit note corrects. */
  readonly corrects: string | null;
  readonly period: string;
  readonly plan: string;
  readonly currency: string;
  readonly subtotalMinor: number;
  readonly taxRatePpm: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly status: InvoiceStatus;
  readonly issuedAt: Date;
  readonly paidAt: Date | null;
  readonly voidedAt: Date | null;
  readonly providerInvoiceId: string | null;
  readonly lines: readonly InvoiceLine[];
}

export interface InvoiceRow {
  id: string; tenant_id: string; issuer: string; number: string; kind: InvoiceKind; corrects: string | null; period: string; plan: string;
  currency: string; subtotal_minor: string; tax_rate_ppm: number; tax_minor: string; total_minor: string; status: InvoiceStatus;
  issued_at: Date; paid_at: Date | null; voided_at: Date | null; provider_invoice_id: string | null;
}

export const INVOICE_COLUMNS = `id, tenant_id, issuer, number, kind, corrects, period, plan, currency, subtotal_minor, tax_rate_ppm, tax_minor,
  total_minor, status, issued_at, paid_at, voided_at, provider_invoice_id`;

interface LineRow { invoice_id: string; position: number; kind: InvoiceLineKind; meter: string | null; description: string; quantity: string; unit_price_minor: string; amount_minor: string }

export const displayNumber = (issuer: string, number: number): string => `${issuer}-${String(number).padStart(6, '0')}`;

function toInvoice(r: InvoiceRow, lines: readonly InvoiceLine[]): StoredInvoice {
  const number = Number(r.number);
  return Object.freeze({
    id: r.id, tenantId: r.tenant_id, issuer: r.issuer, number, displayNumber: displayNumber(r.issuer, number), kind: r.kind, corrects: r.corrects,
    period: r.period, plan: r.plan, currency: r.currency, subtotalMinor: Number(r.subtotal_minor), taxRatePpm: r.tax_rate_ppm,
    taxMinor: Number(r.tax_minor), totalMinor: Number(r.total_minor), status: r.status, issuedAt: r.issued_at, paidAt: r.paid_at,
    voidedAt: r.voided_at, providerInvoiceId: r.provider_invoice_id, lines: Object.freeze(lines),
  });
}

const toLine = (r: LineRow): InvoiceLine => Object.freeze({
  position: r.position, kind: r.kind, meter: r.meter, description: r.description,
  quantity: Number(r.quantity), unitPriceMinor: Number(r.unit_price_minor), amountMinor: Number(r.amount_minor),
});

/** The tenant's invoices and credit notes, newest first, with their lines. `sql` has the tenant set. */
export async function readInvoices(sql: SqlQueryable, tenantId: string, options: { readonly limit?: number; readonly status?: InvoiceStatus } = {}): Promise<StoredInvoice[]> {
  const { rows } = await sql.query<InvoiceRow>(
    `SELECT ${INVOICE_COLUMNS} FROM tenantry.invoices WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
      ORDER BY issued_at DESC, number DESC LIMIT $3`,
    [tenantId, options.status ?? null, options.limit ?? 100],
  );
  if (rows.length === 0) return [];
  const { rows: lines } = await sql.query<LineRow>(
    `SELECT invoice_id, position, kind, meter, description, quantity, unit_price_minor, amount_minor FROM tenantry.invoice_lines
      WHERE tenant_id = $1 AND invoice_id = ANY($2::uuid[]) ORDER BY invoice_id, position`,
    [tenantId, rows.map((r) => r.id)],
  );
  const byInvoice = new Map<string, InvoiceLine[]>();
  for (const line of lines) byInvoice.set(line.invoice_id, [...(byInvoice.get(line.invoice_id) ?? []), toLine(line)]);
  return rows.map((r) => toInvoice(r, byInvoice.get(r.id) ?? []));
}

/** One invoice with its lines, or undefined. */
export async function readInvoice(sql: SqlQueryable, tenantId: string, invoiceId: string, lock = false): Promise<StoredInvoice | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(invoiceId)) return undefined;
  const { rows } = await sql.query<InvoiceRow>(`SELECT ${INVOICE_COLUMNS} FROM tenantry.invoices WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tenantId, invoiceId]);
  const row = rows[0];
  if (!row) return undefined;
  const { rows: lines } = await sql.query<LineRow>(
    `SELECT invoice_id, position, kind, meter, description, quantity, unit_price_minor, amount_minor FROM tenantry.invoice_lines
      WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY position`, [tenantId, invoiceId]);
  return toInvoice(row, lines.map(toLine));
}

/** The subscription row, locked for the rest of the transaction when `lock`. */
export async function readSubscription(sql: SqlQueryable, tenantId: string, lock = false): Promise<SubscriptionRow | undefined> {
  const { rows } = await sql.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM tenantry.subscriptions WHERE tenant = $1${lock ? ' FOR UPDATE' : ''}`, [tenantId]);
  return rows[0];
}
