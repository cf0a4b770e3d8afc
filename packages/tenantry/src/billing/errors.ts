// Error codes of the billing capability: subscriptions, invoices, credit notes, payment providers.
import { defineErrors } from '../core/index.js';

export const billingErrors = defineErrors('billing', {
  BILLING_OPTIONS_INVALID: {
    kind: 'invalid',
    message: 'The billing options are invalid.',
    fix: 'See `details.field` and `details.reason`: the tax rate is parts per million (0–1,000,000), the grace period a non-negative number of milliseconds, the issuer 1–32 letters, digits, "_" or "-".',
  },
  SUBSCRIPTION_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has no subscription.',
    fix: 'Start one first (`billing.subscriptions.start`, `POST /v1/tenants/:id/subscription`, or `tenantry billing subscriptions start`).',
  },
  SUBSCRIPTION_EXISTS: {
    kind: 'conflict',
    message: 'The tenant already has a subscription.',
    fix: 'Change its plan or cancel it instead; a canceled subscription is not restarted (see docs/billing.md).',
  },
  SUBSCRIPTION_CANCELED: {
    kind: 'conflict',
    message: 'The subscription is canceled.',
    fix: 'A canceled subscription takes no plan change, cancellation or payment failure.',
  },
  SUBSCRIPTION_INPUT_INVALID: {
    kind: 'invalid',
    message: 'A subscription field is invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  BILLING_CURRENCY_MISMATCH: {
    kind: 'invalid',
    message: 'The new plan is priced in another currency than the subscription.',
    fix: 'Change to a plan in `details.currency`, or cancel and start a new subscription in the other currency.',
  },
  BILLING_READ_ONLY: {
    kind: 'forbidden',
    message: 'The tenant is read-only: its subscription is past due beyond the grace period.',
    fix: 'Pay the open invoices (the subscription then becomes active again and writes are accepted); reads keep working meanwhile.',
  },
  INVOICE_NOT_FOUND: {
    kind: 'not_found',
    message: 'The invoice does not exist for this tenant.',
    fix: 'List the tenant\'s invoices (`GET /v1/tenants/:id/invoices`) and use one of their ids.',
  },
  INVOICE_IMMUTABLE: {
    kind: 'conflict',
    message: 'Invoices are immutable: amounts and lines never change, and the status moves only from open to paid or void.',
    fix: 'Issue a credit note against the invoice to correct it; see `details.status` for where it stands.',
  },
  CREDIT_NOTE_INVALID: {
    kind: 'invalid',
    message: 'The credit note is invalid.',
    fix: 'See `details.reason`: a credit note corrects an invoice (not another credit note), by at most what is left of its subtotal.',
  },
  BILLING_CLOSE_INCOMPLETE: {
    kind: 'internal',
    message: 'Some billing periods could not be closed.',
    fix: 'The other tenants\' invoices were issued; see `details.failed` (how many) and the command\'s error output for each tenant\'s code (often QUOTA_PLAN_UNKNOWN: a plan missing from the catalog), fix it and run the close again.',
  },
  PAYMENT_WEBHOOK_INVALID: {
    kind: 'unauthenticated',
    message: 'The payment provider webhook failed signature verification.',
    fix: 'Check the webhook signing secret configured for the provider, and that the raw request body is passed unchanged; `details.reason` says what failed (a timestamp outside the tolerance is a replay).',
  },
  PAYMENT_PROVIDER_NOT_CONFIGURED: {
    kind: 'not_found',
    message: 'No payment provider of this kind is configured.',
    fix: 'Configure the provider named in `details.provider` (the server: TENANTRY_STRIPE_SECRET_KEY and TENANTRY_STRIPE_WEBHOOK_SECRET; the library: `createBilling({ provider })`), see docs/billing.md.',
  },
  PAYMENT_PROVIDER_FAILED: {
    kind: 'unavailable',
    message: 'The payment provider could not be reached or refused the call.',
    fix: 'Retry later; `details.operation` names the call and `details.status` the provider\'s HTTP status when there was one.',
  },
});
