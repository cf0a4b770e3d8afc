// What Tenantry needs from a payment provider, and nothing more: a customer per tenant, an
// invoice sent for collection, usage reported as metered usage, and its events (verified by
// the adapter) translated into the few kinds billing acts on. Adapters translate; the billing
// service decides what an event does to a subscription.
import type { StoredInvoice } from './billing-sql.js';

export type ProviderEventKind = 'invoice_paid' | 'invoice_failed' | 'subscription_canceled' | 'ignored';

export interface ProviderEvent {
  /** The provider's event id: an event is applied once, whatever the redeliveries. */
  readonly id: string;
  /** The provider's own type, e.g. `invoice.paid`. */
  readonly type: string;
  readonly kind: ProviderEventKind;
  readonly customerId: string | null;
  readonly providerInvoiceId: string | null;
  /** Tenantry's invoice id, when the provider echoes the metadata it was given. */
  readonly invoiceId: string | null;
}

export interface PaymentProvider {
  /** A short stable name (`stripe`), stored with the customer link and the events. */
  readonly name: string;
  /** Creates (idempotently, per tenant) the tenant's customer. */
  createCustomer(input: { readonly tenantId: string; readonly name: string; readonly email?: string }): Promise<{ readonly customerId: string }>;
  /** Sends an issued invoice (its lines, tax and total) for collection. */
  reportInvoice(input: { readonly customerId: string; readonly invoice: StoredInvoice }): Promise<{ readonly providerInvoiceId: string }>;
  /** Reports metered usage; `idempotencyKey` makes a retry count once. */
  reportUsage(input: { readonly customerId: string; readonly meter: string; readonly quantity: number; readonly at: Date; readonly idempotencyKey: string }): Promise<void>;
  /** Verifies a webhook's signature over the raw body and translates it; throws PAYMENT_WEBHOOK_INVALID. */
  parseEvent(rawBody: string | Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): Promise<ProviderEvent>;
}
