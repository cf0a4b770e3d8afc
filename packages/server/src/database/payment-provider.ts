// The payment provider the configuration names: Stripe, on the official SDK, when its API key
// and webhook signing secret are set (docs/billing.md); none otherwise.
import Stripe from 'stripe';
import type { Clock } from 'tenantry';
import type { PaymentProvider } from 'tenantry/billing';
import { stripePaymentProvider } from 'tenantry/billing/stripe';
import type { ServerConfig } from '../config.js';

/** @example createBilling({ …, ...(provider ? { provider } : {}) }) with provider = paymentProviderFromConfig(config, clock) */
export function paymentProviderFromConfig(config: ServerConfig, clock: Clock): PaymentProvider | undefined {
  if (config.stripeSecretKey === undefined || config.stripeWebhookSecret === undefined) return undefined;
  // Another API host (a Stripe-compatible test server) through the SDK's own options.
  const api = config.stripeApiUrl === undefined ? undefined : new URL(config.stripeApiUrl);
  const protocol = api?.protocol === 'http:' ? 'http' : 'https';
  const stripe = new Stripe(config.stripeSecretKey, api === undefined ? {} : {
    host: api.hostname, protocol, port: api.port === '' ? (protocol === 'http' ? 80 : 443) : Number(api.port),
  });
  return stripePaymentProvider({ stripe, webhookSecret: config.stripeWebhookSecret, clock });
}
