// Tenant webhooks and background jobs through the real API, with the server's job queue
// (pg-boss) running and a real HTTP receiver: a tenant adds an endpoint, its test event arrives
// signed with its secret, the delivery log shows the attempts; another tenant can neither see
// nor touch it; a receiver that keeps failing leaves a failed job the tenant sees (with the
// reason) and retries, which an operator sees across tenants and in the tenant's health.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runWithoutTenant } from 'tenantry';
import { verifyStandardWebhook } from 'tenantry/control';
import { HEALTH_JOBS } from '../../packages/server/src/database/health-services.js';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

let api: ApiServer;
let receiver: Server;
let base: string;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
/** Paths whose requests are answered 500 while listed. */
const failing = new Set<string>();
let a: Call;
let b: Call;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(failing.has(req.url ?? '/') ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  api = await startApiServer(2, { jobs: { webhookRetries: 1 }, health: true });
  [tenantA, tenantB] = api.t.tenants.map((t) => String(t.id)) as [string, string];
  a = { token: await api.member(tenantA, 'ann', 'owner') };
  b = { token: await api.member(tenantB, 'bob', 'owner') };
});
afterAll(async () => {
  await api?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

const settled = (call: Call, id: string) => vi.waitFor(async () => {
  const res = await api.request('GET', `/v1/tenant/webhook-deliveries/${id}`, call);
  if (res.body.status === 'pending') throw new Error('pending');
  return res.body;
}, { timeout: 15_000, interval: 100 });

describe('tenant webhooks through the API', () => {
  it('adds an endpoint, sends its test event signed with the tenant\'s secret, and logs the attempt', async () => {
    const created = await api.request('POST', '/v1/tenant/webhooks', { ...a, body: { url: `${base}/a`, eventTypes: ['webhook.test', 'member.*'], description: 'CRM sync' } });
    expect(created.status).toBe(201);
    expect(created.body.signingSecret).toMatch(/^tnt_sig_/);
    const { id } = created.body.endpoint;
    const test = await api.request('POST', `/v1/tenant/webhooks/${id}/test`, a);
    expect(test.status).toBe(202);
    const done = await settled(a, test.body.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, attemptLog: [{ attempt: 1, statusCode: 204 }] });
    const request = received.find((r) => r.headers['webhook-id'] === done.eventId);
    expect(request?.path).toBe('/a');
    const h = request?.headers ?? {};
    const verdict = verifyStandardWebhook([created.body.signingSecret as string], { id: h['webhook-id'] as string, timestamp: h['webhook-timestamp'] as string, signature: h['webhook-signature'] as string }, request?.body ?? '', { now: api.clock.now() });
    expect(verdict.valid).toBe(true);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ type: 'webhook.test', tenantId: tenantA });
    const log = await api.request('GET', `/v1/tenant/webhooks/${id}/deliveries`, a);
    expect(log.body.items.map((d: { id: string }) => d.id)).toContain(test.body.id);
  });

  it('keeps each tenant\'s endpoints, deliveries and jobs its own', async () => {
    const [endpoint] = (await api.request('GET', '/v1/tenant/webhooks', a)).body.items;
    expect((await api.request('GET', '/v1/tenant/webhooks', b)).body.items).toEqual([]);
    for (const [method, path] of [
      ['GET', `/v1/tenant/webhooks/${endpoint.id}`], ['PATCH', `/v1/tenant/webhooks/${endpoint.id}`], ['DELETE', `/v1/tenant/webhooks/${endpoint.id}`],
      ['POST', `/v1/tenant/webhooks/${endpoint.id}/test`], ['GET', `/v1/tenant/webhooks/${endpoint.id}/deliveries`],
    ] as const) {
      const res = await api.request(method, path, { ...b, ...(method === 'PATCH' ? { body: { enabled: false } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
    }
    const [delivery] = (await api.request('GET', `/v1/tenant/webhooks/${endpoint.id}/deliveries`, a)).body.items;
    expect((await api.request('GET', `/v1/tenant/webhook-deliveries/${delivery.id}`, b)).status).toBe(404);
    expect((await api.request('POST', `/v1/tenant/webhook-deliveries/${delivery.id}/replay`, b)).status).toBe(404);
    // A's delivery job is A's: B's job list never shows it.
    const jobsOfA = (await api.request('GET', '/v1/tenant/jobs', a)).body.items;
    expect(jobsOfA.length).toBeGreaterThan(0);
    expect(jobsOfA.every((job: { tenantId: string }) => job.tenantId === tenantA)).toBe(true);
    expect((await api.request('GET', '/v1/tenant/jobs', b)).body.items).toEqual([]);
  });

  it('shows a failed delivery job with its reason, retries it for the tenant, and counts it in the tenant\'s health', async () => {
    failing.add('/b');
    const created = await api.request('POST', '/v1/tenant/webhooks', { ...b, body: { url: `${base}/b`, eventTypes: ['*'] } });
    const test = await api.request('POST', `/v1/tenant/webhooks/${created.body.endpoint.id}/test`, b);
    const failed = await settled(b, test.body.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed.attemptLog.map((x: { statusCode: number }) => x.statusCode)).toEqual([500, 500]);
    const jobs = await vi.waitFor(async () => {
      const res = await api.request('GET', '/v1/tenant/jobs?state=failed', b);
      if (res.body.items.length === 0) throw new Error('not failed yet');
      return res.body.items;
    }, { timeout: 10_000, interval: 100 });
    expect(jobs[0]).toMatchObject({ name: 'tenantry.webhook.deliver', state: 'failed', tenantId: tenantB, error: expect.stringContaining('WEBHOOK_DELIVERY_FAILED') });
    // The operator sees it among every tenant's jobs, and in B's health.
    const all = await api.request('GET', '/v1/jobs?state=failed', { token: api.operatorToken });
    expect(all.body.items.map((job: { id: string }) => job.id)).toContain(jobs[0].id);
    const ofA = await api.request('GET', `/v1/jobs?tenantId=${tenantA}&state=failed`, { token: api.operatorToken });
    expect(ofA.body.items).toEqual([]);
    const health = await api.request('GET', `/v1/tenants/${tenantB}/health`, { token: api.operatorToken });
    expect(health.body.failedJobs).toBe(1);
    // A cannot retry B's job; B can. The delivery itself is settled (failed), so the retried job
    // finds nothing left to send and completes; a replay sends the event again.
    expect((await api.request('POST', `/v1/tenant/jobs/tenantry.webhook.deliver/${jobs[0].id}/retry`, a)).status).toBe(404);
    const retried = await api.request('POST', `/v1/tenant/jobs/tenantry.webhook.deliver/${jobs[0].id}/retry`, b);
    expect(retried.status).toBe(202);
    await vi.waitFor(async () => {
      const res = await api.request('GET', '/v1/tenant/jobs?state=failed', b);
      if (res.body.items.length > 0) throw new Error('still failed');
    }, { timeout: 10_000, interval: 100 });
    failing.delete('/b');
    const replay = await api.request('POST', `/v1/tenant/webhook-deliveries/${test.body.id}/replay`, b);
    expect(replay.status).toBe(202);
    expect(await settled(b, replay.body.id)).toMatchObject({ status: 'delivered', replayOf: test.body.id, eventId: failed.eventId });
    // A member added to A reaches A's endpoint (member.*), never B's (subscribed to everything).
    expect((await api.request('POST', '/v1/tenant/members', { ...a, body: { userId: 'cara', role: 'viewer' } })).status).toBe(201);
    const event = await vi.waitFor(() => {
      const found = received.find((r) => r.body.includes('"member.added"'));
      if (found === undefined) throw new Error('not sent yet');
      return found;
    }, { timeout: 15_000, interval: 100 });
    expect(event.path).toBe('/a');
    expect(JSON.parse(event.body)).toMatchObject({ type: 'member.added', tenantId: tenantA, data: { userId: 'cara', role: 'viewer' } });
    expect(received.filter((r) => r.path === '/b').some((r) => r.body.includes('member.added'))).toBe(false);
  });

  it('runs the platform\'s alert evaluation as a cross-tenant job an operator sees and no tenant does', async () => {
    const queue = api.jobs?.queue;
    if (queue === undefined) throw new Error('the server runs no job queue');
    const key = `test-${Date.now()}`;
    await runWithoutTenant(() => queue.enqueue(HEALTH_JOBS.evaluate, {}, { idempotencyKey: key }));
    const done = await vi.waitFor(async () => {
      const res = await api.request('GET', '/v1/jobs?state=completed', { token: api.operatorToken });
      const found = res.body.items.find((job: { name: string }) => job.name === HEALTH_JOBS.evaluate);
      if (found === undefined) throw new Error('not run yet');
      return found;
    }, { timeout: 15_000, interval: 100 });
    expect(done).toMatchObject({ tenantId: null, attempts: 1 });
    for (const call of [a, b]) {
      const own = (await api.request('GET', '/v1/tenant/jobs', call)).body.items;
      expect(own.some((job: { name: string }) => job.name === HEALTH_JOBS.evaluate)).toBe(false);
    }
  });

  it('refuses bad endpoints with problem+json and a stable code', async () => {
    const bad = await api.request('POST', '/v1/tenant/webhooks', { ...a, body: { url: `${base}/x`, eventTypes: ['tenant.exploded'] } });
    expect(bad.status).toBe(400);
    expect(bad.contentType).toMatch(/^application\/problem\+json/);
    expect(bad.body.code).toBe('WEBHOOK_EVENT_TYPE_INVALID');
  });
});
