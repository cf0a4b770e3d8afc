// Billing as the server runs it: Stripe's webhook route (signatures made by the official SDK,
// checked with the configured secret, applied once per event id, problem+json when refused), the
// billing scheduler, whose timer turns a trial active once the injected clock passes its end, and
// an invoice's PDF (parsed back with pdf.js: it holds the number, the lines and the total).
// Stripe's API is an HTTP server this test starts (TENANTRY_STRIPE_API_URL): no network.
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { systemActor } from 'tenantry/control';
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
    // A large event (an invoice with many lines) is taken: above the API's 64 KiB body limit.
    const lines = Array.from({ length: 600 }, (_, i) => ({ id: `il_${i}`, description: `Usage line ${i} `.padEnd(120, '.'), amount: i }));
    const large = event('evt_server_large', 'invoice.created', { id: 'in_2', object: 'invoice', customer, lines: { data: lines } });
    expect(large.length).toBeGreaterThan(64 * 1024);
    expect(await deliver(large)).toMatchObject({ status: 200, body: { eventId: 'evt_server_large', applied: false } });
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
    expect(rows.map((r) => [r.actor, r.details.reason])).toEqual([['system:billing', 'trial_ended']]);
  });
});

// The metrics of the 14 standard fonts (Helvetica …), which pdf.js reads from files in Node.
const STANDARD_FONTS = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts/');

/** The text of every page, as pdf.js reads it. */
async function pdfText(bytes: Uint8Array): Promise<{ pages: number; text: string; title: unknown }> {
  const pdf = await getDocument({ data: bytes, isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  let text = '';
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const content = await (await pdf.getPage(n)).getTextContent();
    text += content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
  }
  const { info } = await pdf.getMetadata();
  return { pages: pdf.numPages, text, title: (info as { Title?: unknown }).Title };
}

describe('an invoice as a PDF', () => {
  it('serves a PDF that parses and holds the invoice number, its lines and total, to the operator and to the tenant only', async () => {
    const tenant = t.tenants[2]!.id;
    const { billing, control } = server.database;
    await control.branding.put(tenant, { name: 'Zürich Wärme AG', primaryColor: '#0a66c2' }, systemActor('test'));
    const started = await billing.subscriptions.start(tenant, { plan: 'pro' }, by);
    await billing.subscriptions.addCredit(tenant, 150, 'Goodwill — outage 3 May', by);
    clock.set(started.currentPeriod.end);
    await server.billingScheduler.tick();
    const [invoice] = await billing.invoices.list(tenant);
    expect(invoice).toBeDefined();
    const staff = await control.operators.create({ email: `pdf-${invoice!.id}@platform.example`, displayName: 'Ops' });
    const { token } = await control.operators.createToken(staff.id, { name: 'pdf' });

    const res = await fetch(`${server.url}/v1/tenants/${tenant}/invoices/${invoice!.id}/pdf`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${invoice!.displayNumber}.pdf"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const { pages, text, title } = await pdfText(bytes);
    expect(pages).toBe(1);
    expect(title).toBe(`Invoice ${invoice!.displayNumber}`);
    expect(text).toContain(`Invoice ${invoice!.displayNumber}`);
    expect(text).toContain('Zürich Wärme AG');
    expect(text).toContain('Goodwill — outage 3 May');
    const total = new Intl.NumberFormat('en', { style: 'currency', currency: invoice!.currency }).format(invoice!.totalMinor / 100);
    expect(text).toMatch(new RegExp(`Total\\s+${total.replace(/[.$]/g, '\\$&')}`));

    // The tenant's own route, through the app role: its invoice, and another tenant's is not found.
    const own = async (owner: string, invoiceId: string) => {
      const { key } = await server.database.db.withTenant(owner, (scope) => control.apiKeys.create(scope, { name: 'pdf', scopes: ['usage:read'] }, systemActor('test')));
      return fetch(`${server.url}/v1/tenant/invoices/${invoiceId}/pdf`, { headers: { 'x-api-key': key } });
    };
    const mine = await own(tenant, invoice!.id);
    expect(mine.status).toBe(200);
    expect((await pdfText(new Uint8Array(await mine.arrayBuffer()))).text).toContain(invoice!.displayNumber);
    const theirs = await own(t.tenants[0]!.id, invoice!.id);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
