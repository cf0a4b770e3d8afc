// `tenantry/billing/stripe`: the Stripe adapter alone, so `tenantry/billing` never needs `stripe`.
export { stripePaymentProvider } from './stripe-provider.js';
export type { StripeProviderOptions } from './stripe-provider.js';
