// An invoice from its parts, as pure arithmetic: the base line, the overage lines of the usage
// meters (quota/invoice.ts computes them), the pending proration and credit lines, then the tax.
// A negative subtotal (credits above the charges) is not paid out: a credit line brings the
// invoice to zero and the same amount is carried to the next period, so no money is lost.
import type { InvoiceLine as OverageLine } from '../quota/index.js';
import { taxOf } from './proration.js';

export type InvoiceLineKind = 'base' | 'overage' | 'proration' | 'credit' | 'correction';

export interface InvoiceLine {
  readonly position: number;
  readonly kind: InvoiceLineKind;
  readonly meter: string | null;
  readonly description: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly amountMinor: number;
}

export interface PendingLine {
  readonly kind: 'proration' | 'credit';
  readonly description: string;
  readonly quantity: number;
  readonly amountMinor: number;
}

export interface ComposedInvoice {
  readonly lines: readonly InvoiceLine[];
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  /** Negative or 0: the credit carried to the next period. */
  readonly carriedMinor: number;
}

export interface InvoiceParts {
  readonly plan: string;
  /** The base price for the billable part of the period (prorated when it started late). */
  readonly baseMinor: number;
  readonly overage: readonly OverageLine[];
  readonly pending: readonly PendingLine[];
  readonly taxRatePpm: number;
}

/** @example composeInvoice({ plan: 'pro', baseMinor: 4900, overage: [], pending: [], taxRatePpm: 200_000 }).totalMinor // 5880 */
export function composeInvoice(parts: InvoiceParts): ComposedInvoice {
  const lines: Omit<InvoiceLine, 'position'>[] = [
    { kind: 'base', meter: null, description: `Plan ${parts.plan}`, quantity: 1, unitPriceMinor: parts.baseMinor, amountMinor: parts.baseMinor },
  ];
  for (const o of parts.overage) {
    if (o.kind !== 'overage' || o.meter === null) continue;
    lines.push({
      kind: 'overage', meter: o.meter,
      description: `${o.meter}: ${o.quantity} used, ${o.includedUnits} included, ${o.overageUnits} over at ${o.unitPriceMinor} per ${o.perUnits}`,
      quantity: o.overageUnits, unitPriceMinor: o.unitPriceMinor, amountMinor: o.amountMinor,
    });
  }
  for (const p of parts.pending) lines.push({ kind: p.kind, meter: null, description: p.description, quantity: p.quantity, unitPriceMinor: p.amountMinor, amountMinor: p.amountMinor });
  let subtotal = 0n;
  for (const line of lines) subtotal += BigInt(line.amountMinor);
  let carried = 0n;
  if (subtotal < 0n) {
    carried = subtotal;
    lines.push({ kind: 'credit', meter: null, description: 'Credit carried to the next period', quantity: 1, unitPriceMinor: Number(-subtotal), amountMinor: Number(-subtotal) });
    subtotal = 0n;
  }
  const subtotalMinor = safe(subtotal);
  const taxMinor = taxOf(subtotalMinor, parts.taxRatePpm);
  return {
    lines: lines.map((line, position) => Object.freeze({ position, ...line })),
    subtotalMinor, taxMinor, totalMinor: safe(BigInt(subtotalMinor) + BigInt(taxMinor)), carriedMinor: safe(carried),
  };
}

function safe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('an invoice amount beyond 2^53 minor units');
  return Number(value);
}
