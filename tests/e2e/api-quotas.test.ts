// Plans, quotas, usage and billing through a real listening server: each (quota) route of the
// contract once at least, the seat limit answering 429 QUOTA_EXCEEDED on the members route, and
// the usage alerts that usage events raise arriving, signed, at a real local webhook receiver.
// The server, the webhook and its receiver share one test clock at testNow: periods and days follow it.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents } from 'tenantry/audit';
import { createAlertWebhook, verifySignature } from 'tenantry/control';
import { periodOf, type PlanCatalogOptions } from 'tenantry/quota';
import { createTestClock } from 'tenantry/testing';
import { startApiServer, type ApiServer } from './support/api-server.js';

const SECRET = `whsec_${randomUUID()}${randomUUID()}`;
const PLANS: PlanCatalogOptions = {
  meters: { members: { kind: 'level', unit: 'seats' }, apiCalls: { kind: 'period', unit: 'requests' }, apiRequestsPerMinute: { kind: 'rate', unit: 'requests/min' } },
  plans: {
    free: { limits: { members: 2, apiCalls: { hard: 10, soft: 5 }, apiRequestsPerMinute: 60 }, features: { sso: false }, price: { currency: 'EUR', baseMinor: 0 } },
    pro: {
      limits: { members: 10, apiCalls: null }, features: { sso: true },
      price: { currency: 'EUR', baseMinor: 4900, meters: { apiCalls: { includedUnits: 10, unitPriceMinor: 7, perUnits: 5 } } },
    },
  },
};

const clock = createTestClock(inject('testNow'));
let api: ApiServer;
let receiver: Server;
const webhooks: { signature: string; body: string }[] = [];
let webhookWaiter: { meter: string; count: number; resolve: () => void } | undefined;
let tenantId: string;
let admin: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      webhooks.push({ signature: String(req.headers['tenantry-signature']), body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = 204;
      res.end();
      const waiter = webhookWaiter;
      if (waiter && webhooks.filter((w) => w.body.includes(`"meter":"${waiter.meter}"`)).length >= waiter.count) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/usage`;
  api = await startApiServer(1, { plans: PLANS, seatLimit: true, clock, alertSender: createAlertWebhook({ url, secret: SECRET, clock }) });
  tenantId = api.t.tenants[0]!.id;
  admin = await api.member(tenantId, 'ann', 'admin');
});
afterAll(async () => {
  await api?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const operator = () => ({ token: api.operatorToken });

describe('operator routes', () => {
  it('GET /v1/plans lists every plan with limits, features and prices', async () => {
    const res = await api.request('GET', '/v1/plans', operator());
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { name: string }) => p.name)).toEqual(['free', 'pro']);
    expect(res.body.items[0]).toEqual({
      name: 'free',
      limits: { members: { hard: 2, soft: null }, apiCalls: { hard: 10, soft: 5 }, apiRequestsPerMinute: { hard: 60, soft: null } },
      features: { sso: false },
      database: {},
      price: { currency: 'EUR', baseMinor: 0, meters: {} },
    });
    expect((await api.request('GET', '/v1/plans')).status).toBe(401);
  });

  it('POST /v1/tenants refuses a plan the catalog lacks, before creating anything', async () => {
    const slug = `gold-${randomUUID().slice(0, 8)}`;
    const res = await api.request('POST', '/v1/tenants', { ...operator(), body: { slug, plan: 'gold', owner: { userId: 'ann' } } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'QUOTA_PLAN_INVALID', details: { plan: 'gold' } });
    expect(await api.t.registry.tryGetBySlug(slug)).toBeUndefined();
    expect((await api.request('POST', '/v1/tenants', { ...operator(), body: { slug, plan: 'pro', owner: { userId: 'ann' } } })).status).toBe(201);
  });

  it('PUT /v1/tenants/:id/quota-overrides replaces the overrides, validates them and knows only live tenants', async () => {
    const other = await api.t.registry.create({ slug: `ovr-${randomUUID().slice(0, 8)}` });
    const res = await api.request('PUT', `/v1/tenants/${other.id}/quota-overrides`, { ...operator(), body: { limits: { apiCalls: 3, members: null } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ limits: { apiCalls: 3, members: null } });
    const bad = await api.request('PUT', `/v1/tenants/${other.id}/quota-overrides`, { ...operator(), body: { limits: { bogus: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'QUOTA_OVERRIDE_INVALID', details: { meter: 'bogus' } });
    const unknown = await api.request('PUT', `/v1/tenants/${randomUUID()}/quota-overrides`, { ...operator(), body: { limits: {} } });
    expect(unknown.status).toBe(404);
    const { events } = await api.t.db.withTenant(other.id, (scope) => queryAuditEvents(scope, { action: 'quota.overrides.set' }));
    expect(events).toHaveLength(1);
    expect(events[0]?.actor).toMatch(/^operator:/);
  });
});

describe('tenant routes', () => {
  it('refuses the member past the plan\'s seat limit with 429 QUOTA_EXCEEDED and its details', async () => {
    // ann (admin) holds one of the two seats.
    expect((await api.request('POST', '/v1/tenant/members', { token: admin, body: { userId: 'bob', role: 'viewer' } })).status).toBe(201);
    const res = await api.request('POST', '/v1/tenant/members', { token: admin, body: { userId: 'cid', role: 'viewer' } });
    expect(res.status).toBe(429);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { meter: 'members', limit: 2, used: 2, requested: 1 } });
  });

  it('POST /v1/tenant/usage-events counts each id once and sends the alerts it raises to the webhook, signed', async () => {
    const arrived = new Promise<void>((resolve) => (webhookWaiter = { meter: 'apiCalls', count: 3, resolve }));
    const events = [{ id: 'evt-1', meter: 'apiCalls', quantity: 6 }, { id: 'evt-2', meter: 'apiCalls', quantity: 3 }];
    const first = await api.request('POST', '/v1/tenant/usage-events', { token: admin, body: { events } });
    expect(first).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
    const retry = await api.request('POST', '/v1/tenant/usage-events', { token: admin, body: { events } });
    expect(retry.body).toEqual({ accepted: 0, duplicates: 2 });
    // 9 of 10: the soft limit (5) is passed and 80 % reached: three alerts… once the third event lands.
    await api.request('POST', '/v1/tenant/usage-events', { token: admin, body: { events: [{ id: 'evt-3', meter: 'apiCalls', quantity: 1 }] } });
    await arrived;
    // The seat alerts of the test before (2 of 2 seats) go out with the first delivery too.
    const bodies = webhooks.map((w) => JSON.parse(w.body) as { id: string; type: string; tenantId: string; meter: string; alert: string });
    expect(bodies.filter((b) => b.meter === 'apiCalls').map((b) => b.alert).sort()).toEqual(['limit_100', 'limit_80', 'soft_limit']);
    expect(bodies.every((b) => b.tenantId === tenantId && b.type === 'usage.alert')).toBe(true);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
    for (const w of webhooks) expect(verifySignature([SECRET], w.signature, w.body, { now: clock.now() })).toMatchObject({ valid: true });
    const invalid = await api.request('POST', '/v1/tenant/usage-events', { token: admin, body: { events: [{ id: 'x', meter: 'nope', quantity: 1 }] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('QUOTA_METER_UNKNOWN');
  });

  it('GET /v1/tenant/usage shows the period\'s usage against the plan, seats counted live', async () => {
    const res = await api.request('GET', '/v1/tenant/usage', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.plan).toBe('free');
    const period = periodOf(clock.now());
    expect([res.body.period.start, res.body.period.end]).toEqual([period.start.toISOString(), period.end.toISOString()]);
    expect(res.body.meters).toEqual([
      { meter: 'members', used: 2, limit: 2, softLimit: null, unit: 'seats' },
      { meter: 'apiCalls', used: 10, limit: 10, softLimit: 5, unit: 'requests' },
    ]);
  });

  it('GET /v1/tenant/usage/history gives the days\' totals', async () => {
    const res = await api.request('GET', '/v1/tenant/usage/history?days=7', { token: admin });
    expect(res.status).toBe(200);
    const today = clock.now().toISOString().slice(0, 10);
    expect(res.body.points).toEqual(expect.arrayContaining([{ day: today, meter: 'apiCalls', quantity: 10 }]));
    expect((await api.request('GET', '/v1/tenant/usage/history?days=0', { token: admin })).status).toBe(400);
  });
});

describe('billing export', () => {
  it('GET /v1/billing/export answers JSON invoices and a CSV, for the period asked', async () => {
    const period = periodOf(clock.now()).name;
    await api.t.admin.query('UPDATE tenantry.tenants SET plan = $2 WHERE id = $1', [tenantId, 'pro']);
    try {
      const json = await api.request('GET', `/v1/billing/export?period=${period}`, operator());
      expect(json.status).toBe(200);
      const invoice = json.body.items.find((i: { tenantId: string }) => i.tenantId === tenantId);
      // 10 calls, 10 included → no overage on pro: the base price alone.
      expect(invoice).toMatchObject({ plan: 'pro', currency: 'EUR', totalMinor: 4900 });
      expect(invoice.lines[0]).toEqual({ kind: 'base', meter: null, quantity: 0, includedUnits: 0, overageUnits: 0, unitPriceMinor: 4900, perUnits: 1, amountMinor: 4900 });
      expect(json.body.nextCursor).toBeNull();
      const csv = await api.request('GET', `/v1/billing/export?period=${period}&format=csv`, operator());
      expect(csv.status).toBe(200);
      expect(csv.contentType).toMatch(/^text\/csv/);
      const rows = (csv.body as string).trim().split('\r\n');
      expect(rows[0]).toBe('period,tenant_id,tenant_slug,plan,currency,line,meter,quantity,included_units,overage_units,unit_price_minor,per_units,amount_minor');
      expect(rows).toContain(`${period},${tenantId},tenant-0,pro,EUR,overage,apiCalls,10,10,0,7,5,0`);
      const bad = await api.request('GET', '/v1/billing/export?period=2026-13', operator());
      expect(bad.status).toBe(400);
    } finally {
      await api.t.admin.query('UPDATE tenantry.tenants SET plan = $2 WHERE id = $1', [tenantId, 'free']);
    }
  });

  it('records every billing export as an operator action before reading', async () => {
    const period = periodOf(clock.now()).name;
    const before = (await api.t.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenantry.operator_actions WHERE action = 'billing.export'`)).rows[0]?.n ?? 0;
    expect((await api.request('GET', `/v1/billing/export?period=${period}`, operator())).status).toBe(200);
    const { rows } = await api.t.admin.query<{ actor: string; details: { period?: string } }>(
      `SELECT actor, details FROM tenantry.operator_actions WHERE action = 'billing.export' ORDER BY occurred_at DESC LIMIT 1`);
    expect((await api.t.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenantry.operator_actions WHERE action = 'billing.export'`)).rows[0]?.n).toBe(before + 1);
    expect(rows[0]).toMatchObject({ actor: expect.stringMatching(/^operator:/), details: { period } });
  });
});
