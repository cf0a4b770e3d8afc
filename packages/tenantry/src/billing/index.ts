// The billing capability (layer 3: it composes quota prices and usage, the audit log and the
// tenant lifecycle): subscriptions with proration, entitlements that follow payments, immutable
// invoices with gapless numbers per issuer, credit notes, HTML rendering with the tenant's
// branding, and the payment provider interface (docs/billing.md). The Stripe adapter is the
// separate subpath `tenantry/billing/stripe`, so this one needs no `stripe` package.
export { billingErrors } from './errors.js';
export { createBilling } from './billing.js';
export type { Billing, BillingOptions, CancelMode, CloseResult, StartSubscriptionInput } from './billing.js';
export { displayNumber, readInvoice, readInvoices, readSubscription, SUBSCRIPTION_STATUSES, toSubscription } from './billing-sql.js';
export type { Entitlement, InvoiceKind, InvoiceStatus, StoredInvoice, Subscription, SubscriptionStatus } from './billing-sql.js';
export { BILLING_TOPIC } from './entitlement-cache.js';
export { composeInvoice } from './compose-invoice.js';
export type { ComposedInvoice, InvoiceLine, InvoiceLineKind, InvoiceParts, PendingLine } from './compose-invoice.js';
export { accrued, prorate, secondOf, taxOf } from './proration.js';
export { formatMinor, renderInvoiceHtml } from './invoice-html.js';
export type { InvoiceHtmlOptions } from './invoice-html.js';
export type { PaymentProvider, ProviderEvent, ProviderEventKind } from './payment-provider.js';
export { tenantBillingReader } from './tenant-invoices.js';
export type { TenantBillingReader } from './tenant-invoices.js';
