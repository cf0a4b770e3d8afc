// The Stripe adapter on the official SDK, with no network: its outbound calls go to an HTTP
// server this test starts (speaking the few endpoints used), and its webhooks are signed by the
// SDK's own generateTestHeaderString — accepted, refused with a wrong secret, refused as a
// replay outside the tolerance (judged on the injected clock), applied once per event id, and
// mapped to the subscription (failed → past_due, paid → paid and restored, deleted → canceled
// at the period end).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createBilling, type Billing } from './billing.js';
import { stripePaymentProvider } from './stripe-provider.js';
import { billingTestCatalog } from './test-catalog.js';

const clock = createTestClock('2030-05-10T08:00:00Z');
const SECRET = 'whsec_test_secret';
const by = { actor: 'operator:test' };
let t: TestTenantry;
let server: Server;
let billing: Billing;
let stripe: Stripe;
const calls: { method: string; path: string; idempotencyKey: string | undefined; body: URLSearchParams }[] = [];
let ids = 0;

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

/** The few Stripe endpoints the adapter uses, answering like Stripe does (JSON objects with ids). */
function fakeStripe(): Server {
  return createServer((request, response) => {
    void body(request).then((text) => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      const key = request.headers['idempotency-key'];
      calls.push({ method: request.method ?? '', path, idempotencyKey: typeof key === 'string' ? key : undefined, body: new URLSearchParams(text) });
      const id = (prefix: string) => `${prefix}_${(ids += 1)}`;
      const answers: Record<string, () => object> = {
        '/v1/customers': () => ({ id: id('cus'), object: 'customer' }),
        '/v1/invoices': () => ({ id: id('in'), object: 'invoice', status: 'draft' }),
        '/v1/invoiceitems': () => ({ id: id('ii'), object: 'invoiceitem' }),
        '/v1/billing/meter_events': () => ({ object: 'billing.meter_event', identifier: new URLSearchParams(text).get('identifier') }),
      };
      const finalize = /^\/v1\/invoices\/([^/]+)\/finalize$/.exec(path);
      const answer = finalize ? () => ({ id: finalize[1], object: 'invoice', status: 'open' }) : answers[path];
      response.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'request-id': 'req_test' });
      response.end(JSON.stringify(answer ? answer() : { error: { type: 'invalid_request_error', message: `no such endpoint ${path}` } }));
    });
  });
}

const signed = (event: object, options: { secret?: string; timestamp?: number } = {}) => {
  const payload = JSON.stringify(event);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? Math.floor(clock.now().getTime() / 1000) });
  return { payload, headers: { 'stripe-signature': header } };
};
const stripeEvent = (id: string, type: string, object: object) => ({ id, object: 'event', type, api_version: '2025-01-01', created: 0, data: { object } });

beforeAll(async () => {
  server = fakeStripe();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  stripe = new Stripe('sk_test_local', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  const provider = stripePaymentProvider({ stripe, webhookSecret: SECRET, clock, toleranceSeconds: 300 });
  billing = createBilling({ operator: t.operator, catalog: billingTestCatalog(), registry: t.registry, clock, provider, taxRatePpm: 200_000, issuer: 'S' });
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('Stripe adapter', () => {
  it('creates the customer once, reports an invoice with its lines and tax, and its usage as meter events', async () => {
    const tenant = (await t.registry.create({ slug: 'stripe-a' })).id;
    await billing.subscriptions.start(tenant, { plan: 'pro' }, by);
    const linked = await billing.provider.linkCustomer(tenant, { name: 'Acme', email: 'billing@acme.test' }, by);
    expect(linked.provider).toBe('stripe');
    expect(linked.providerCustomerId).toMatch(/^cus_/);
    expect((await billing.provider.linkCustomer(tenant, { name: 'Acme' }, by)).providerCustomerId).toBe(linked.providerCustomerId);
    expect(calls.filter((c) => c.path === '/v1/customers')).toHaveLength(1);
    expect(calls[0]?.idempotencyKey).toBe(`tenantry-customer-${tenant}`);
    expect(calls[0]?.body.get('metadata[tenantryTenantId]')).toBe(tenant);

    await t.admin.query("INSERT INTO tenantry.usage_daily (tenant_id, meter, day, quantity) VALUES ($1, 'apiCalls', '2030-05-20', 1234)", [tenant]);
    clock.set('2030-06-01T00:00:00Z');
    const invoice = await billing.invoices.closePeriod(tenant);
    if (!invoice) throw new Error('no invoice');
    calls.length = 0;
    const reported = await billing.provider.reportInvoice(tenant, invoice.id, by);
    expect(reported.providerInvoiceId).toMatch(/^in_/);
    const created = calls.find((c) => c.path === '/v1/invoices');
    expect(created?.body.get('customer')).toBe(linked.providerCustomerId);
    expect(created?.body.get('metadata[tenantryInvoiceId]')).toBe(invoice.id);
    const items = calls.filter((c) => c.path === '/v1/invoiceitems');
    expect(items.map((c) => Number(c.body.get('amount'))).reduce((a, b) => a + b, 0)).toBe(invoice.totalMinor);
    expect(items.every((c) => c.body.get('invoice') === reported.providerInvoiceId && c.body.get('currency') === 'eur')).toBe(true);
    expect(calls.some((c) => c.path === `/v1/invoices/${reported.providerInvoiceId}/finalize`)).toBe(true);
    const meter = calls.find((c) => c.path === '/v1/billing/meter_events');
    expect(meter?.body.get('event_name')).toBe('apiCalls');
    expect(meter?.body.get('payload[value]')).toBe('234');
    expect(meter?.body.get('payload[stripe_customer_id]')).toBe(linked.providerCustomerId);
    // Reported once: a second call sends nothing.
    calls.length = 0;
    await billing.provider.reportInvoice(tenant, invoice.id, by);
    expect(calls).toEqual([]);
  });

  it('verifies webhooks with the SDK signature scheme: a wrong secret and a replay outside the tolerance are refused', async () => {
    const event = stripeEvent('evt_sig', 'invoice.created', { id: 'in_x', customer: 'cus_none' });
    const ok = signed(event);
    await expect(billing.provider.receive(ok.payload, ok.headers)).resolves.toMatchObject({ applied: false, event: { id: 'evt_sig', kind: 'ignored' } });
    const wrong = signed(event, { secret: 'whsec_other' });
    await expect(billing.provider.receive(wrong.payload, wrong.headers)).rejects.toMatchObject({ code: 'PAYMENT_WEBHOOK_INVALID', kind: 'unauthenticated' });
    const replay = signed(event, { timestamp: Math.floor(clock.now().getTime() / 1000) - 301 });
    await expect(billing.provider.receive(replay.payload, replay.headers)).rejects.toMatchObject({ code: 'PAYMENT_WEBHOOK_INVALID', details: { reason: 'the signature is older than the tolerance (a replay)' } });
    const edge = signed(event, { timestamp: Math.floor(clock.now().getTime() / 1000) - 300 });
    await expect(billing.provider.receive(edge.payload, edge.headers)).resolves.toMatchObject({ applied: false });
    const tampered = { payload: ok.payload.replace('in_x', 'in_y'), headers: ok.headers };
    await expect(billing.provider.receive(tampered.payload, tampered.headers)).rejects.toMatchObject({ code: 'PAYMENT_WEBHOOK_INVALID' });
    await expect(billing.provider.receive(ok.payload, {})).rejects.toMatchObject({ code: 'PAYMENT_WEBHOOK_INVALID' });
  });

  it('maps failed, paid and deleted events to the subscription, each event id applied once', async () => {
    clock.set('2030-06-01T00:00:00Z');
    const tenant = (await t.registry.create({ slug: 'stripe-b' })).id;
    await billing.subscriptions.start(tenant, { plan: 'basic' }, by);
    const { providerCustomerId: customer } = await billing.provider.linkCustomer(tenant, { name: 'B' }, by);
    clock.set('2030-07-01T00:00:00Z');
    const invoice = await billing.invoices.closePeriod(tenant);
    const { providerInvoiceId } = await billing.provider.reportInvoice(tenant, invoice?.id ?? '', by);

    const failed = signed(stripeEvent('evt_fail', 'invoice.payment_failed', { id: providerInvoiceId, customer, metadata: { tenantryInvoiceId: invoice?.id } }));
    expect(await billing.provider.receive(failed.payload, failed.headers)).toMatchObject({ applied: true, event: { kind: 'invoice_failed' } });
    expect((await billing.subscriptions.get(tenant)).status).toBe('past_due');

    const paid = signed(stripeEvent('evt_paid', 'invoice.paid', { id: providerInvoiceId, customer, metadata: { tenantryInvoiceId: invoice?.id } }));
    expect(await billing.provider.receive(paid.payload, paid.headers)).toMatchObject({ applied: true });
    expect((await billing.invoices.get(tenant, invoice?.id ?? '')).status).toBe('paid');
    expect((await billing.subscriptions.get(tenant)).status).toBe('active');
    // The failure redelivered after the payment: the same event id is not applied again.
    expect(await billing.provider.receive(failed.payload, failed.headers)).toMatchObject({ applied: false });
    expect((await billing.subscriptions.get(tenant)).status).toBe('active');

    // Five concurrent deliveries of one event: applied exactly once.
    const again = signed(stripeEvent('evt_fail_2', 'invoice.payment_failed', { id: providerInvoiceId, customer }));
    const results = await Promise.all(Array.from({ length: 5 }, () => billing.provider.receive(again.payload, again.headers)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect((await billing.subscriptions.get(tenant)).status).toBe('past_due');
    const { rows: pastDue } = await t.admin.query<{ n: string }>("SELECT count(*) AS n FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'billing.subscription.past_due'", [tenant]);
    expect(Number(pastDue[0]?.n)).toBe(2);

    const deleted = signed(stripeEvent('evt_del', 'customer.subscription.deleted', { id: 'sub_1', customer }));
    expect(await billing.provider.receive(deleted.payload, deleted.headers)).toMatchObject({ applied: true, event: { kind: 'subscription_canceled' } });
    expect(await billing.subscriptions.get(tenant)).toMatchObject({ cancelAtPeriodEnd: true, status: 'past_due' });
    const { rows } = await t.admin.query<{ n: string }>("SELECT count(*) AS n FROM tenantry.billing_provider_events WHERE provider = 'stripe' AND tenant = $1", [tenant]);
    expect(Number(rows[0]?.n)).toBe(4);
  });
});
