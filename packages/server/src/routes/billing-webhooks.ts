// The payment provider's webhook: public (the provider has no Tenantry credential), trusted only
// through the provider's signature over the raw body, which is why this scope keeps the body as
// the bytes that arrived instead of parsed JSON. Applying an event is idempotent by its id
// (billing.provider.receive), so the provider's redeliveries are answered 200 and change nothing.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { billingErrors, type Billing } from 'tenantry/billing';
import { strictObject } from './schemas.js';

const PUBLIC: Record<string, string[]>[] = [];
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
const Received = strictObject({
  eventId: Type.String(),
  type: Type.String({ description: 'The provider\'s event type, e.g. invoice.payment_failed.' }),
  applied: Type.Boolean({ description: 'false for a redelivered event, or one billing does not act on (recorded all the same).' }),
});

/** @example await app.register(async (scope) => registerBillingWebhookRoutes(scope, deps.billing), { prefix: '/v1' }); */
export function registerBillingWebhookRoutes(app: FastifyInstance, billing: Billing): void {
  // Re-serialized JSON would not match the signature: the handler gets the exact bytes.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post<{ Body: Buffer }>('/billing/webhooks/stripe', {
    // An event carries a whole Stripe object (an invoice with its lines): above the API's 64 KiB.
    bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
    schema: {
      tags: ['billing'], security: PUBLIC, operationId: 'receiveStripeWebhook',
      summary: 'Stripe\'s webhook: verified with the endpoint\'s signing secret (Stripe-Signature), applied once per event id',
      description: '401 PAYMENT_WEBHOOK_INVALID for a missing, wrong or too old signature; 404 PAYMENT_PROVIDER_NOT_CONFIGURED when Stripe is not configured.',
      response: { 200: Received },
    },
  }, async (request) => {
    if (billing.provider.name !== 'stripe') throw billingErrors.create('PAYMENT_PROVIDER_NOT_CONFIGURED', { details: { provider: 'stripe' } });
    const { event, applied } = await billing.provider.receive(request.body, request.headers);
    return { eventId: event.id, type: event.type, applied };
  });
}
