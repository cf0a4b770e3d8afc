// Turning a period's usage into invoice lines: the plan's base price, and per priced meter the
// units beyond the included ones, charged per started block at the plan's unit price. Integer
// minor units throughout (BigInt inside, so no product can lose precision).
import type { Plan } from './plan-catalog.js';

export interface InvoiceLine {
  readonly kind: 'base' | 'overage';
  readonly meter: string | null;
  /** Units used in the period (sum for period meters, peak for level meters); 0 for the base line. */
  readonly quantity: number;
  readonly includedUnits: number;
  readonly overageUnits: number;
  readonly unitPriceMinor: number;
  readonly perUnits: number;
  readonly amountMinor: number;
}

export interface Invoice {
  readonly tenantId: string;
  readonly slug: string;
  readonly plan: string;
  readonly period: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly totalMinor: number;
}

/** @example invoiceFor(plan, { tenantId, slug, period: '2026-11' }, { apiCalls: 1_250_000 }).totalMinor */
export function invoiceFor(plan: Plan, tenant: { readonly tenantId: string; readonly slug: string; readonly period: string }, usage: Readonly<Record<string, number>>): Invoice {
  const lines: InvoiceLine[] = [{ kind: 'base', meter: null, quantity: 0, includedUnits: 0, overageUnits: 0, unitPriceMinor: plan.price.baseMinor, perUnits: 1, amountMinor: plan.price.baseMinor }];
  let total = BigInt(plan.price.baseMinor);
  for (const [meter, price] of Object.entries(plan.price.meters).sort(([a], [b]) => a.localeCompare(b))) {
    const quantity = Math.max(0, usage[meter] ?? 0);
    const overageUnits = Math.max(0, quantity - price.includedUnits);
    // Each started block of perUnits is charged (ceil), as metered billing usually rounds.
    const blocks = (BigInt(overageUnits) + BigInt(price.perUnits) - 1n) / BigInt(price.perUnits);
    const amount = blocks * BigInt(price.unitPriceMinor);
    total += amount;
    lines.push({ kind: 'overage', meter, quantity, includedUnits: price.includedUnits, overageUnits, unitPriceMinor: price.unitPriceMinor, perUnits: price.perUnits, amountMinor: safe(amount) });
  }
  return { ...tenant, plan: plan.name, currency: plan.price.currency, lines, totalMinor: safe(total) };
}

function safe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('an invoice amount beyond 2^53 minor units');
  return Number(value);
}

export const CSV_HEADER = 'period,tenant_id,tenant_slug,plan,currency,line,meter,quantity,included_units,overage_units,unit_price_minor,per_units,amount_minor';

const csvField = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  // Quote what needs it, and defuse spreadsheet formulas (=, +, -, @ at the start of a text).
  const safeText = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safeText) ? `"${safeText.replace(/"/g, '""')}"` : safeText;
};

/** The CSV rows of one invoice (no header), each ending in \r\n as RFC 4180 says. */
export function invoiceCsvRows(invoice: Invoice): string {
  return invoice.lines.map((l) => [invoice.period, invoice.tenantId, invoice.slug, invoice.plan, invoice.currency, l.kind, l.meter, l.quantity,
    l.includedUnits, l.overageUnits, l.unitPriceMinor, l.perUnits, l.amountMinor].map(csvField).join(',') + '\r\n').join('');
}
