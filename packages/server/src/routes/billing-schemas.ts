// The JSON shapes of subscriptions and invoices, shared by the operator and tenant routes.
import { Type } from '@sinclair/typebox';
import { DateTime, strictObject, Uuid } from './schemas.js';

const NullableDate = Type.Union([Type.Null(), DateTime]);
const NullableString = Type.Union([Type.Null(), Type.String()]);

export const SubscriptionBody = strictObject({
  tenantId: Uuid,
  plan: Type.String(),
  status: Type.Union([Type.Literal('trialing'), Type.Literal('active'), Type.Literal('past_due'), Type.Literal('canceled')]),
  currency: Type.String(),
  anchor: DateTime,
  trialEnd: NullableDate,
  currentPeriod: strictObject({ start: DateTime, end: DateTime, plan: Type.String(), billableFrom: DateTime }),
  scheduledPlan: NullableString,
  cancelAtPeriodEnd: Type.Boolean(),
  canceledAt: NullableDate,
  endedAt: NullableDate,
  pastDueSince: NullableDate,
  entitlement: Type.Union([Type.Literal('full'), Type.Literal('read_only'), Type.Literal('suspended')], { description: 'What the tenant may do: read_only or suspended after the grace period of a past-due subscription.' }),
  provider: NullableString,
  providerCustomerId: NullableString,
  version: Type.Integer(),
});

const Line = strictObject({
  position: Type.Integer(),
  kind: Type.Union(['base', 'overage', 'proration', 'credit', 'correction'].map((k) => Type.Literal(k))),
  meter: NullableString,
  description: Type.String(),
  quantity: Type.Integer(),
  unitPriceMinor: Type.Integer(),
  amountMinor: Type.Integer({ description: 'Minor currency units (cents).' }),
});

export const InvoiceBody = strictObject({
  id: Uuid,
  tenantId: Uuid,
  issuer: Type.String(),
  number: Type.Integer({ description: 'Gapless per issuer.' }),
  displayNumber: Type.String({ description: '<issuer>-<number, six digits>' }),
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')]),
  corrects: Type.Union([Type.Null(), Uuid]),
  period: Type.String(),
  plan: Type.String(),
  currency: Type.String(),
  subtotalMinor: Type.Integer(),
  taxRatePpm: Type.Integer({ description: 'Tax rate in parts per million of the subtotal.' }),
  taxMinor: Type.Integer(),
  totalMinor: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('paid'), Type.Literal('void')]),
  issuedAt: DateTime,
  paidAt: NullableDate,
  voidedAt: NullableDate,
  providerInvoiceId: NullableString,
  lines: Type.Array(Line),
});

export const InvoiceList = strictObject({ items: Type.Array(InvoiceBody) });
export const InvoiceQuery = strictObject({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('paid'), Type.Literal('void')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
export const InvoiceParams = strictObject({ id: Uuid, invoiceId: Uuid });
export const TenantInvoiceParams = strictObject({ invoiceId: Uuid });
