// The Stripe adapter of the payment provider interface, on the official `stripe` package. It
// translates and never decides: customers, invoices and usage go out through the SDK (given by
// the caller, so its host, port, protocol and retries are the caller's), webhooks come in
// verified with Stripe's own scheme (`Stripe-Signature`: t=<unix>,v1=<HMAC-SHA256 of "t.body">)
// at the time of the injected clock, and become the few event kinds billing acts on.
import type Stripe from 'stripe';
import { systemClock, type Clock } from '../core/index.js';
import { billingErrors } from './errors.js';
import type { PaymentProvider, ProviderEvent, ProviderEventKind } from './payment-provider.js';

export interface StripeProviderOptions {
  /** `new Stripe(secretKey, { host, port, protocol, maxNetworkRetries })`. */
  readonly stripe: Stripe;
  /** The endpoint's signing secret (`whsec_…`). */
  readonly webhookSecret: string;
  /** How old a signature may be, in seconds (Stripe's default: 300). Older is a replay. */
  readonly toleranceSeconds?: number;
  /** The Stripe meter event name for a Tenantry meter. Default: the meter's name. */
  readonly meterEventName?: (meter: string) => string;
  readonly clock?: Clock;
}

const KINDS: Readonly<Record<string, ProviderEventKind>> = {
  'invoice.paid': 'invoice_paid',
  'invoice.payment_succeeded': 'invoice_paid',
  'invoice.payment_failed': 'invoice_failed',
  'customer.subscription.deleted': 'subscription_canceled',
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    throw billingErrors.create('PAYMENT_PROVIDER_FAILED', { details: { operation, ...(typeof status === 'number' ? { status } : {}) }, cause: err });
  }
}

/**
 * @example
 * const provider = stripePaymentProvider({ stripe: new Stripe(env.STRIPE_KEY), webhookSecret: env.STRIPE_WEBHOOK_SECRET });
 * const billing = createBilling({ operator, catalog, registry, provider });
 */
export function stripePaymentProvider(options: StripeProviderOptions): PaymentProvider {
  const { stripe, webhookSecret } = options;
  const clock = options.clock ?? systemClock;
  const tolerance = options.toleranceSeconds ?? 300;
  const meterEventName = options.meterEventName ?? ((meter: string) => meter);
  return {
    name: 'stripe',
    async createCustomer({ tenantId, name, email }) {
      const customer = await call('customers.create', () => stripe.customers.create(
        { name, ...(email === undefined ? {} : { email }), metadata: { tenantryTenantId: tenantId } },
        { idempotencyKey: `tenantry-customer-${tenantId}` },
      ));
      return { customerId: customer.id };
    },
    async reportInvoice({ customerId, invoice }) {
      const key = `tenantry-invoice-${invoice.id}`;
      const currency = invoice.currency.toLowerCase();
      const created = await call('invoices.create', () => stripe.invoices.create({
        customer: customerId, currency, auto_advance: false, collection_method: 'charge_automatically',
        metadata: { tenantryInvoiceId: invoice.id, tenantryNumber: invoice.displayNumber },
      }, { idempotencyKey: key }));
      const id = created.id;
      const lines = [...invoice.lines.filter((l) => l.amountMinor !== 0).map((l) => ({ position: String(l.position), description: l.description, amount: l.amountMinor }))];
      if (invoice.taxMinor !== 0) lines.push({ position: 'tax', description: `Tax (${invoice.taxRatePpm / 10_000} %)`, amount: invoice.taxMinor });
      for (const line of lines) {
        await call('invoiceItems.create', () => stripe.invoiceItems.create(
          { customer: customerId, invoice: id, currency, amount: line.amount, description: line.description },
          { idempotencyKey: `${key}-line-${line.position}` },
        ));
      }
      await call('invoices.finalizeInvoice', () => stripe.invoices.finalizeInvoice(id, {}, { idempotencyKey: `${key}-finalize` }));
      return { providerInvoiceId: id };
    },
    async reportUsage({ customerId, meter, quantity, at, idempotencyKey }) {
      await call('billing.meterEvents.create', () => stripe.billing.meterEvents.create({
        event_name: meterEventName(meter), identifier: idempotencyKey.slice(0, 100),
        payload: { stripe_customer_id: customerId, value: String(quantity) }, timestamp: Math.floor(at.getTime() / 1000),
      }));
    },
    async parseEvent(rawBody, headers) {
      const raw = headers['stripe-signature'];
      const signature = Array.isArray(raw) ? raw[0] : raw;
      if (signature === undefined) throw billingErrors.create('PAYMENT_WEBHOOK_INVALID', { details: { reason: 'no Stripe-Signature header' } });
      let event: Stripe.Event;
      try {
        // receivedAt (milliseconds) from the injected clock: the tolerance is judged at its "now".
        event = await stripe.webhooks.constructEventAsync(rawBody, signature, webhookSecret, tolerance, undefined, clock.now().getTime());
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        const reason = /tolerance/i.test(message) ? 'the signature is older than the tolerance (a replay)' : 'no signature matches the payload with the configured secret';
        throw billingErrors.create('PAYMENT_WEBHOOK_INVALID', { details: { reason }, cause: err });
      }
      const object = (event.data?.object ?? {}) as { id?: unknown; customer?: unknown; metadata?: Record<string, unknown> | null };
      const isInvoice = event.type.startsWith('invoice.');
      const parsed: ProviderEvent = {
        id: event.id, type: event.type, kind: KINDS[event.type] ?? 'ignored',
        customerId: text(typeof object.customer === 'object' && object.customer !== null ? (object.customer as { id?: unknown }).id : object.customer),
        providerInvoiceId: isInvoice ? text(object.id) : null,
        invoiceId: isInvoice ? text(object.metadata?.tenantryInvoiceId) : null,
      };
      return Object.freeze(parsed);
    },
  };
}
