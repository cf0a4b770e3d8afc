// Billing as the server runs it: Stripe's webhook route (signatures made by the official SDK,
// checked with the configured secret, applied once per event id, problem+json when refused) and
// the billing scheduler, whose timer turns a trial active once the injected clock passes its end.
// Stripe's API is an HTTP server this test starts (TENANTRY_STRIPE_API_URL): no network.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { resolveConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningServer } from './main.js';

const clock = createTestClock('2031-03-10T08:00:00Z');
const WEBHOOK_SECRET = 'whsec_server_test';
const by = { actor: 'operator:test' };
const sdk = new Stripe('sk_test_unused');
let t: TestTenantry;
let fakeStripe: Server;
let server: RunningServer;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 3, clock });
  // Only customers.create is called here (linking the tenant's customer).
  fakeStripe = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_test' });
      response.end(JSON.stringify({ id: `cus_${t.tenants[0]!.id.slice(0, 8)}`, object: 'customer' }));
    });
  });
  await new Promise<void>((resolve) => fakeStripe.listen(0, '127.0.0.1', resolve));
  const { app, operator } = inject('rolePasswords');
  const config = resolveConfig({
    databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent', billingTickSeconds: 1,
    stripeSecretKey: 'sk_test_local', stripeWebhookSecret: WEBHOOK_SECRET, stripeApiUrl: `http://127.0.0.1:${(fakeStripe.address() as AddressInfo).port}`,
  });
  server = await startServer(config, { signals: [], logger: createLogger({ level: 'silent' }), clock });
}, 60_000);
afterAll(async () => {
  await server?.close();
  fakeStripe?.close();
  await t?.close();
});

const event = (id: string, type: string, object: object) => JSON.stringify({ id, object: 'event', type, api_version: '2025-01-01', created: 0, data: { object } });
const now = () => Math.floor(clock.now().getTime() / 1000);
async function deliver(payload: string, signature: { secret?: string; timestamp?: number } | 'none' = {}): Promise<{ status: number; contentType: string; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (signature !== 'none') {
    headers['stripe-signature'] = sdk.webhooks.generateTestHeaderString({ payload, secret: signature.secret ?? WEBHOOK_SECRET, timestamp: signature.timestamp ?? now() });
  }
  const res = await fetch(`${server.url}/v1/billing/webhooks/stripe`, { method: 'POST', headers, body: payload });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

describe('the Stripe webhook route', () => {
  it('applies a signed event once, answers a redelivery 200 without applying it, and refuses bad signatures with problem+json', async () => {
    const tenant = t.tenants[0]!.id;
    const { billing } = server.database;
    await billing.subscriptions.start(tenant, { plan: 'pro' }, by);
    const { providerCustomerId: customer } = await billing.provider.linkCustomer(tenant, { name: 'Acme' }, by);
    expect(customer).toMatch(/^cus_/);

    const failed = event('evt_server_fail', 'invoice.payment_failed', { id: 'in_1', object: 'invoice', customer });
    expect(await deliver(failed)).toMatchObject({ status: 200, body: { eventId: 'evt_server_fail', type: 'invoice.payment_failed', applied: true } });
    expect((await billing.subscriptions.get(tenant)).status).toBe('past_due');
    expect(await deliver(failed)).toMatchObject({ status: 200, body: { applied: false } });
    const { rows } = await t.admin.query<{ n: string }>("SELECT count(*) AS n FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'billing.subscription.past_due'", [tenant]);
    expect(Number(rows[0]?.n)).toBe(1);

    const canceled = event('evt_server_canceled', 'customer.subscription.deleted', { id: 'sub_1', customer });
    for (const [why, reply] of [
      ['a wrong secret', await deliver(canceled, { secret: 'whsec_not_ours' })],
      ['a replay 301 s old', await deliver(canceled, { timestamp: now() - 301 })],
      ['no signature', await deliver(canceled, 'none')],
    ] as const) {
      expect(reply, why).toMatchObject({ status: 401, body: { code: 'PAYMENT_WEBHOOK_INVALID' } });
      expect(reply.contentType, why).toMatch(/^application\/problem\+json/);
    }
    // A body changed after signing: the signature was made over other bytes.
    const signature = sdk.webhooks.generateTestHeaderString({ payload: canceled, secret: WEBHOOK_SECRET, timestamp: now() });
    const tampered = await fetch(`${server.url}/v1/billing/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: canceled.replace('sub_1', 'sub_2') });
    expect(tampered.status).toBe(401);
    expect((await billing.subscriptions.get(tenant)).cancelAtPeriodEnd).toBe(false);
  });

  it('is a public route of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[]; operationId?: string }>> };
    expect(doc.paths['/v1/billing/webhooks/stripe']?.post).toMatchObject({ operationId: 'receiveStripeWebhook', security: [] });
  });
});

describe('the billing scheduler', () => {
  it('leaves a trial alone before its end, and its timer makes it active once the clock has passed the end', async () => {
    const tenant = t.tenants[1]!.id;
    const { billing } = server.database;
    const trialEnd = new Date(clock.now().getTime() + 3 * 86_400_000);
    await billing.subscriptions.start(tenant, { plan: 'pro', trialEnd }, by);
    clock.set(new Date(trialEnd.getTime() - 1000));
    await server.billingScheduler.tick();
    expect((await billing.subscriptions.get(tenant)).status).toBe('trialing');
    clock.set(trialEnd);
    // No call here: the server's own timer (every second in this test) does it.
    await vi.waitFor(async () => expect((await billing.subscriptions.get(tenant)).status).toBe('active'), { timeout: 15_000, interval: 100 });
    const { rows } = await t.admin.query<{ actor: string; details: { reason: string } }>(
      "SELECT actor, details FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'billing.subscription.activate'", [tenant]);
    expect(rows).toEqual([expect.objectContaining({ actor: 'system:billing', details: expect.objectContaining({ reason: 'trial_ended' }) })]);
  });
});
