// Subscriptions and invoices over HTTP: the operator starts and upgrades a subscription, the
// period closes, the tenant lists and reads its own invoices (JSON and HTML in its branding)
// while another tenant gets 404 for the same id, and the routes are in the OpenAPI document.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

let api: ApiServer;
let op: Call;
let owner: Call;
let stranger: Call;
let tenantId: string;

beforeAll(async () => {
  api = await startApiServer(2);
  tenantId = api.t.tenants[0]!.id;
  op = { token: api.operatorToken };
  owner = { token: await api.member(tenantId, 'owner', 'owner') };
  stranger = { token: await api.member(api.t.tenants[1]!.id, 'other', 'owner') };
});
afterAll(() => api?.close());

describe('billing routes', () => {
  it('starts, upgrades and invoices a subscription; the tenant reads its own invoices only', async () => {
    const started = await api.request('POST', `/v1/tenants/${tenantId}/subscription`, { ...op, body: { plan: 'free' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ tenantId, plan: 'free', status: 'active', entitlement: 'full' });
    expect((await api.request('POST', `/v1/tenants/${tenantId}/subscription`, { ...op, body: { plan: 'free' } })).body).toMatchObject({ code: 'SUBSCRIPTION_EXISTS' });
    const upgraded = await api.request('POST', `/v1/tenants/${tenantId}/subscription/plan`, { ...op, body: { plan: 'pro' } });
    expect(upgraded.body).toMatchObject({ plan: 'pro', scheduledPlan: null });
    const unknown = await api.request('POST', `/v1/tenants/${tenantId}/subscription/plan`, { ...op, body: { plan: 'gold' } });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'QUOTA_PLAN_INVALID' } });

    await api.request('PUT', '/v1/tenant/branding', { ...owner, body: { name: 'Acme', primaryColor: '#0a66c2' } });
    api.clock.set(new Date(started.body.currentPeriod.end as string));
    const [invoice] = (await api.billing.invoices.closeDue()).issued;
    // Tokens signed on the moved clock (the old ones expired with the month).
    owner = { token: await api.jwt('owner', tenantId) };
    stranger = { token: await api.jwt('other', api.t.tenants[1]!.id) };
    expect(invoice).toBeDefined();

    const own = await api.request('GET', '/v1/tenant/invoices', owner);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.items.map((i: { id: string }) => i.id)).toEqual([invoice!.id]);
    expect(own.body.items[0]).toMatchObject({ kind: 'invoice', status: 'open', currency: 'EUR', plan: 'pro', taxRatePpm: 190_000, totalMinor: invoice!.totalMinor });
    // Free to pro: no credit for the free plan's unused part (0), a charge for pro's.
    const one = await api.request('GET', `/v1/tenant/invoices/${invoice!.id}`, owner);
    expect(one.body.lines.map((l: { kind: string }) => l.kind)).toEqual(['base', 'overage', 'overage', 'proration']);
    const html = await api.request('GET', `/v1/tenant/invoices/${invoice!.id}/html`, owner);
    expect(html.contentType).toMatch(/^text\/html/);
    expect(html.body).toContain('color:#0a66c2');
    expect(html.body).toContain(invoice!.displayNumber);
    expect((await api.request('GET', '/v1/tenant/subscription', owner)).body).toMatchObject({ plan: 'pro', status: 'active' });

    // Another tenant: its list is empty, and the first tenant's invoice id is not found.
    expect((await api.request('GET', '/v1/tenant/invoices', stranger)).body).toEqual({ items: [] });
    expect(await api.request('GET', `/v1/tenant/invoices/${invoice!.id}`, stranger)).toMatchObject({ status: 404, body: { code: 'INVOICE_NOT_FOUND' } });
    expect(await api.request('GET', '/v1/tenant/subscription', stranger)).toMatchObject({ status: 404, body: { code: 'SUBSCRIPTION_NOT_FOUND' } });

    // The operator's view, and a second payment attempt after it was paid is a no-op.
    expect((await api.request('GET', `/v1/tenants/${tenantId}/invoices?status=open`, op)).body.items).toHaveLength(1);
    expect((await api.request('POST', `/v1/tenants/${tenantId}/invoices/${invoice!.id}/pay`, op)).body).toMatchObject({ status: 'paid' });
    expect((await api.request('POST', `/v1/tenants/${tenantId}/invoices/${invoice!.id}/void`, op)).body).toMatchObject({ code: 'INVOICE_IMMUTABLE' });
    expect((await api.request('GET', `/v1/tenants/${tenantId}/invoices/${invoice!.id}/html`, op)).body).toContain('Acme');
  });

  it('refuses writes of a tenant read-only after its grace period, keeps its reads, and lifts it on payment', async () => {
    const other = api.t.tenants[1]!.id;
    const { currentPeriod } = await api.billing.subscriptions.start(other, { plan: 'pro' }, { actor: 'operator:test' });
    api.clock.set(currentPeriod.end);
    const invoice = await api.billing.invoices.closePeriod(other);
    await api.billing.subscriptions.paymentFailed(other, { actor: 'operator:test' });
    api.clock.advance(14 * 86_400_000);
    expect((await api.billing.subscriptions.settle(other)).entitlement).toBe('read_only');
    const token = { token: await api.jwt('other', other) };
    expect(await api.request('PUT', '/v1/tenant/branding', { ...token, body: { name: 'Other' } })).toMatchObject({ status: 403, body: { code: 'BILLING_READ_ONLY' } });
    expect((await api.request('GET', '/v1/tenant/invoices', token)).status).toBe(200);
    // Usage that happened is still recorded (and billed).
    const key = await api.apiKey(other, ['usage:write']);
    expect((await api.request('POST', '/v1/tenant/usage-events', { apiKey: key, body: { events: [{ id: 'ro-1', meter: 'apiCalls', quantity: 1 }] } })).status).toBe(200);
    await api.request('POST', `/v1/tenants/${other}/invoices/${invoice!.id}/pay`, op);
    expect((await api.request('PUT', '/v1/tenant/branding', { ...token, body: { name: 'Other' } })).status).toBe(200);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { body } = await api.request('GET', '/openapi.json');
    for (const path of ['/v1/tenant/invoices', '/v1/tenant/invoices/{invoiceId}', '/v1/tenants/{id}/invoices', '/v1/tenants/{id}/subscription']) {
      expect(body.paths[path], path).toBeDefined();
    }
    expect(body.paths['/v1/tenants/{id}/invoices/{invoiceId}/credit-notes'].post.operationId).toBe('createCreditNote');
  });
});
