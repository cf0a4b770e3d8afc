// The analytics, health and alerts routes and /readyz through a real listening server: tenant
// requests feed the activity rollups through the onResponse hook, the operator routes answer
// in the contract's shapes and record each read, and tenant credentials are refused on them.
// Every service runs on one test clock at testNow (TENANTRY_TEST_NOW), as startServer wires one.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, systemActor } from 'tenantry/control';
import { createActivityRecorder, createAlertEvaluator, createAlertEvents, createTenantAnalytics, createTenantHealth } from 'tenantry/health';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { buildApp } from '../../packages/server/src/app.js';
import { createLogger } from '../../packages/server/src/logger.js';

const clock = createTestClock(inject('testNow'));
let t: TestTenantry;
let app: FastifyInstance;
let url: string;
let operatorToken: string;
let apiKey: string;
const activity = () => createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0 });
let recorder: ReturnType<typeof activity>;
let redisUp = true;

async function call(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url + path, { headers });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}
const op = (path: string) => call(path, { authorization: `Bearer ${operatorToken}` });
async function post(path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const init: RequestInit = { method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(url + path, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', clock });
  recorder = activity();
  const health = {
    activity: recorder,
    analytics: createTenantAnalytics({ operator: t.operator, clock, minRequestsForErrorRate: 1 }),
    reports: createTenantHealth({ operator: t.operator, clock, minRequests: 1 }),
    alerts: createAlertEvents({ operator: t.operator, clock }),
  };
  app = buildApp({
    operator: t.operator, logger: createLogger({ level: 'silent' }),
    readinessChecks: [{ name: 'redis', check: async () => { if (!redisUp) throw new Error('ECONNREFUSED 127.0.0.1:6379'); } }],
    api: { registry: t.registry, db: t.db, control, health, clock },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const staff = await control.operators.create({ email: `ops-${randomUUID()}@platform.example`, displayName: 'Ops' });
  operatorToken = (await control.operators.createToken(staff.id, { name: 'test' })).token;
  const tenant = t.tenants[0]!;
  apiKey = (await t.db.withTenant(tenant.id, (scope) => control.apiKeys.create(scope, { name: 'k', scopes: ['members:read'] }, systemActor('test')))).key;
});
afterAll(async () => {
  await app?.close();
  await recorder?.close();
  await t?.close();
});

describe('tenant activity through the /v1/tenant scope', () => {
  it('counts each answered request, its errors and latency for the tenant in context, and nothing for refused ones', async () => {
    const tenant = t.tenants[0]!;
    for (let i = 0; i < 3; i += 1) expect((await call('/v1/tenant/members', { 'x-api-key': apiKey })).status).toBe(200);
    // 403: the key lacks the scope; still this tenant's request.
    expect((await call('/v1/tenant/api-keys', { 'x-api-key': apiKey })).status).toBe(403);
    // No tenant resolved: not recorded anywhere.
    expect((await call('/v1/tenant/members', { 'x-api-key': 'tnt_nope' })).status).toBe(401);
    await recorder.flush();
    const { rows } = await t.admin.query<{ subject_tenant: string; requests: string; client_errors: string }>('SELECT subject_tenant, requests, client_errors FROM tenantry.tenant_activity');
    expect(rows).toEqual([{ subject_tenant: tenant.id, requests: '4', client_errors: '1' }]);
  });
});

describe('operator analytics, health and alerts routes', () => {
  it('answer in the contract shapes', async () => {
    const tenant = t.tenants[0]!;
    expect(await op('/v1/analytics/distribution')).toEqual({ status: 200, body: { byStatus: { active: 2 }, byPlan: { free: 2 }, byTier: { pooled: 2 }, byRegion: { default: 2 } } });
    const growth = await op('/v1/analytics/growth?days=3');
    expect(growth.body.points).toHaveLength(3);
    expect(growth.body.points.at(-1)).toMatchObject({ created: 2, churned: 0 });
    expect((await op('/v1/analytics/active')).body).toEqual({ d1: 1, d7: 1, d30: 1 });
    expect((await op('/v1/analytics/top?by=usage&limit=5')).body).toEqual({ items: [{ tenantId: tenant.id, slug: tenant.slug, value: 4 }] });
    expect((await op('/v1/analytics/top?by=errors')).body).toEqual({ items: [] });
    const hours = (await op('/v1/analytics/usage-by-hour?days=1')).body.points;
    expect(hours).toHaveLength(24);
    expect(hours.reduce((sum: number, p: { requests: number }) => sum + p.requests, 0)).toBe(4);
    const list = await op('/v1/health/tenants');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { slug: string }) => i.slug).sort()).toEqual(['tenant-0', 'tenant-1']);
    const one = await op(`/v1/tenants/${tenant.id}/health`);
    expect(one.body).toMatchObject({ tenantId: tenant.id, slug: 'tenant-0', status: 'ok', requests: 4, errorRate: 0, quotaPressure: null, failedJobs: null, window: { minutes: 15 } });
    expect(typeof one.body.p95Ms).toBe('number');
    expect((await op(`/v1/tenants/${randomUUID()}/health`)).body).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
  });

  it('list alert events by status', async () => {
    const reports = createTenantHealth({ operator: t.operator, clock, minRequests: 1 });
    await createAlertEvaluator({ operator: t.operator, health: reports, clock, rules: [{ name: 'any-client-traffic', metric: 'p95Ms', threshold: 0 }] }).evaluate();
    const open = await op('/v1/alerts?status=open');
    expect(open.body.items).toHaveLength(1);
    expect(open.body.items[0]).toMatchObject({ tenantId: t.tenants[0]!.id, rule: 'any-client-traffic', metric: 'p95Ms', threshold: 0, status: 'open', count: 1, resolvedAt: null });
    // Named by slug and name (a truncated id was the same for every tenant made in one minute).
    expect(open.body.items[0].tenant).toEqual({ slug: 'tenant-0', displayName: t.tenants[0]!.displayName, status: 'active' });
    expect((await op('/v1/alerts?status=resolved')).body).toEqual({ items: [], actors: {} });
    // No longer firing: resolved, with its resolution time.
    await createAlertEvaluator({ operator: t.operator, health: reports, clock, rules: [{ name: 'any-client-traffic', metric: 'p95Ms', threshold: 1e9 }] }).evaluate();
    const resolved = await op('/v1/alerts?status=resolved');
    expect(resolved.status).toBe(200);
    expect(resolved.body.items).toMatchObject([{ rule: 'any-client-traffic', status: 'resolved', count: 1 }]);
    expect(Date.parse(resolved.body.items[0].resolvedAt)).toBeGreaterThanOrEqual(Date.parse(resolved.body.items[0].lastSeenAt));
    expect((await op('/v1/alerts?status=closed')).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
  });

  it('acknowledge, snooze and resolve an open alert, naming the operator, with problem codes for what cannot be done', async () => {
    const reports = createTenantHealth({ operator: t.operator, clock, minRequests: 1 });
    await createAlertEvaluator({ operator: t.operator, health: reports, clock, rules: [{ name: 'triage-me', metric: 'p95Ms', threshold: 0 }] }).evaluate();
    const id = (await op('/v1/alerts?status=open')).body.items.find((a: { rule: string }) => a.rule === 'triage-me').id as string;
    const acked = await post(`/v1/alerts/${id}/acknowledge`);
    expect(acked).toMatchObject({ status: 200, body: { id, acknowledgedAt: clock.now().toISOString(), acknowledgedBy: expect.stringMatching(/^operator:/), tenant: { slug: 'tenant-0' } } });
    expect((await post(`/v1/alerts/${id}/snooze`, { minutes: 30 })).body).toMatchObject({ snoozed: true, snoozedUntil: new Date(clock.now().getTime() + 30 * 60_000).toISOString() });
    expect((await op('/v1/alerts?status=open&snoozed=exclude')).body.items.map((a: { id: string }) => a.id)).not.toContain(id);
    const listed = (await op('/v1/alerts?status=open')).body;
    // People by name: the list names each operator who triaged.
    expect(listed.actors[acked.body.acknowledgedBy]).toBe('Ops');
    expect((await post(`/v1/alerts/${id}/snooze`, { minutes: 0 })).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    expect((await post(`/v1/alerts/${id}/resolve`)).body).toMatchObject({ status: 'resolved', resolvedBy: acked.body.acknowledgedBy, snoozed: false });
    expect(await post(`/v1/alerts/${id}/acknowledge`)).toMatchObject({ status: 409, body: { code: 'ALERT_NOT_OPEN' } });
    expect(await post(`/v1/alerts/${randomUUID()}/resolve`)).toMatchObject({ status: 404, body: { code: 'ALERT_NOT_FOUND' } });
  });

  it('refuse tenant credentials and no credentials on every route', async () => {
    const paths = ['/v1/analytics/distribution', '/v1/analytics/growth', '/v1/analytics/active', '/v1/analytics/top?by=usage', '/v1/analytics/usage-by-hour', '/v1/health/tenants', `/v1/tenants/${t.tenants[0]!.id}/health`, '/v1/alerts'];
    for (const path of paths) {
      for (const headers of [{}, { 'x-api-key': apiKey }, { authorization: `Bearer ${apiKey}` }]) {
        const res = await call(path, headers);
        expect([path, res.status, res.body.code]).toEqual([path, 401, 'TOKEN_INVALID']);
      }
    }
  });

  it('are documented in /openapi.json under the operator token', async () => {
    const { body } = await call('/openapi.json');
    for (const path of ['/v1/analytics/distribution', '/v1/analytics/growth', '/v1/analytics/active', '/v1/analytics/top', '/v1/analytics/usage-by-hour', '/v1/health/tenants', '/v1/tenants/{id}/health', '/v1/alerts']) {
      expect(body.paths[path]?.get?.security, path).toEqual([{ operatorToken: [] }]);
    }
  });

  it('record every read with the operator and the request id', async () => {
    const { rows } = await t.admin.query<{ action: string; actor: string; request_id: string }>('SELECT action, actor, request_id FROM tenantry.operator_actions');
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['analytics.distribution', 'analytics.growth', 'analytics.active', 'analytics.top', 'analytics.usage_by_hour', 'health.list', 'health.get', 'alerts.list', 'alert.acknowledge', 'alert.snooze', 'alert.resolve']));
    expect(rows.every((r) => /^operator:[0-9a-f-]{36}$/.test(r.actor) && r.request_id.length > 0)).toBe(true);
  });
});

describe('/readyz with named checks', () => {
  it('is ready when PostgreSQL and every named check answer, and 503 naming the check that fails', async () => {
    expect(await call('/readyz')).toEqual({ status: 200, body: { status: 'ok' } });
    redisUp = false;
    try {
      const res = await call('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'READINESS_CHECK_FAILED', details: { check: 'redis' } });
      expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
    } finally {
      redisUp = true;
    }
  });
});
