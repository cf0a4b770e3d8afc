// Alert evaluation against a real PostgreSQL and a real local HTTP receiver: one open event per
// tenant and rule however many evaluators run at once, counted and resolved, and each opening
// and resolution delivered once, signed, with bounded retries when the receiver fails. Time (of
// the evaluator, the webhook's signatures and their check) starts at testNow (TENANTRY_TEST_NOW).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock, Tenant } from '../core/index.js';
import { DEFAULT_ROLE_NAMES, roleUrl, type SqlPool } from '../postgres/index.js';
import { pgPool } from '../postgres/pg.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createActivityRecorder } from './activity-recorder.js';
import { createAlertEvaluator } from './alert-evaluator.js';
import { createAlertEvents } from './alert-events.js';
import type { AlertRule } from './alert-rules.js';
import { ALERT_SIGNATURE_HEADER, alertWebhook } from './alert-webhook.js';
import { createTenantHealth } from './tenant-health.js';

const SECRET = 'whsec_test_0123456789abcdef';
const START = new Date(inject('testNow'));
const MINUTE = 60_000;
let now = START;
const clock: Clock = { now: () => now };
let t: TestTenantry;
let wide: SqlPool;
let server: Server;
let url: string;
let received: { body: { type: string; alert: { tenantId: string; rule: string; count: number } }; valid: boolean }[] = [];
let failNext = 0;
let tenants: Tenant[];

// The receiver's side of the signature (what verifySignature of tenantry/control checks; a
// capability's tests may not import the control layer).
function validSignature(header: string | undefined, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.`).update(body).digest();
  return Math.abs(clock.now().getTime() / 1000 - Number(match[1])) < 300 && timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}

const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let data = '';
  req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
  req.on('end', () => resolve(data));
});

async function traffic(tenant: Tenant, n: number, statusCode: number): Promise<void> {
  const recorder = createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0 });
  for (let i = 0; i < n; i += 1) recorder.record(tenant.id, { statusCode, durationMs: 10 });
  await recorder.close();
}

const RULES: AlertRule[] = [
  { name: 'high-errors', metric: 'errorRate', threshold: 0.2, minRequests: 10 },
  { name: 'pro-errors', metric: 'errorRate', threshold: 0.05, plans: ['pro'] },
];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  wide = pgPool({ connectionString: roleUrl(t.url, DEFAULT_ROLE_NAMES.operator, inject('rolePasswords').operator), max: 8 });
  tenants = [await t.registry.create({ slug: 'alpha', plan: 'free' }), await t.registry.create({ slug: 'beta', plan: 'pro' })];
  server = createServer((req, res) => {
    void read(req).then((body) => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      const header = req.headers[ALERT_SIGNATURE_HEADER];
      received.push({ body: JSON.parse(body) as (typeof received)[number]['body'], valid: validSignature(typeof header === 'string' ? header : undefined, body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await wide?.end();
  await t?.close();
});

const evaluator = (notify = alertWebhook({ url, secret: SECRET, backoffMs: 0, clock })) =>
  createAlertEvaluator({ operator: wide, health: createTenantHealth({ operator: wide, clock, minRequests: 0 }), rules: RULES, clock, notify });
const open = async () => (await createAlertEvents({ operator: t.operator, clock }).list({ status: 'open' }, { actor: 'operator:test' })).items;

describe('createAlertEvaluator', () => {
  it('opens one event per tenant and rule under concurrent evaluators, counts every sighting and notifies once', async () => {
    received = [];
    await traffic(tenants[0]!, 20, 500); // alpha: 100% errors → high-errors
    await traffic(tenants[1]!, 9, 200);
    await traffic(tenants[1]!, 1, 500); // beta (pro): 10% → pro-errors only
    const results = await Promise.all(Array.from({ length: 6 }, () => evaluator().evaluate()));
    expect(results.flatMap((r) => r.opened).map((a) => `${a.rule}@${a.tenantId}`).sort()).toEqual([`high-errors@${tenants[0]!.id}`, `pro-errors@${tenants[1]!.id}`].sort());
    expect(results.flatMap((r) => r.repeated)).toHaveLength(10);
    const events = await open();
    expect(events.map((e) => [e.rule, e.count, e.status]).sort()).toEqual([['high-errors', 6, 'open'], ['pro-errors', 6, 'open']]);
    expect(events.find((e) => e.rule === 'pro-errors')).toMatchObject({ tenantId: tenants[1]!.id, metric: 'errorRate', value: 0.1, threshold: 0.05 });
    expect(received.map((r) => [r.body.type, r.body.alert.rule, r.valid]).sort()).toEqual([['alert.opened', 'high-errors', true], ['alert.opened', 'pro-errors', true]]);
  });

  it('updates lastSeenAt while firing, resolves once back under the threshold, then opens a new event', async () => {
    received = [];
    now = new Date(START.getTime() + 2 * MINUTE);
    await evaluator().evaluate();
    const [alpha] = (await open()).filter((e) => e.rule === 'high-errors');
    expect(alpha).toMatchObject({ count: 7, lastSeenAt: now });
    // An hour later the window holds no failures.
    now = new Date(START.getTime() + 60 * MINUTE);
    const results = await Promise.all([evaluator().evaluate(), evaluator().evaluate()]);
    expect(results.flatMap((r) => r.resolved).map((a) => a.rule).sort()).toEqual(['high-errors', 'pro-errors']);
    expect(await open()).toEqual([]);
    expect(received.map((r) => r.body.type)).toEqual(['alert.resolved', 'alert.resolved']);
    await traffic(tenants[0]!, 20, 500);
    const again = await evaluator().evaluate();
    expect(again.opened).toHaveLength(1);
    expect(again.opened[0]?.id).not.toBe(alpha?.id);
    const all = (await createAlertEvents({ operator: t.operator, clock }).list({}, { actor: 'operator:test' })).items;
    expect(all.filter((e) => e.rule === 'high-errors').map((e) => e.status).sort()).toEqual(['open', 'resolved']);
  });

  it('retries a failing receiver a bounded number of times, reports each failure and keeps evaluating', async () => {
    received = [];
    const failures: { attempt: number; final: boolean }[] = [];
    failNext = 5;
    const send = alertWebhook({ url, secret: SECRET, backoffMs: 0, maxAttempts: 3, clock, onError: (f) => failures.push({ attempt: f.attempt, final: f.final }) });
    expect(await send({ type: 'test' })).toBe(false);
    expect(failures).toEqual([{ attempt: 1, final: false }, { attempt: 2, final: false }, { attempt: 3, final: true }]);
    failNext = 1;
    expect(await send({ type: 'test' })).toBe(true);
    expect(received).toHaveLength(1);
    failNext = 0;
    // An unreachable receiver: evaluation still stores events and resolves.
    now = new Date(START.getTime() + 180 * MINUTE);
    const unreachable = alertWebhook({ url: 'http://127.0.0.1:1/nothing', secret: SECRET, backoffMs: 0, maxAttempts: 2, clock });
    const result = await evaluator(unreachable).evaluate();
    expect(result.resolved).toHaveLength(1);
  });

  it('refuses invalid rules and webhook options', () => {
    const health = { measure: () => Promise.resolve([]) };
    expect(errorOf(() => createAlertEvaluator({ operator: wide, health, rules: [{ name: 'Bad Name', metric: 'errorRate', threshold: 1 }] })))
      .toMatchObject({ code: 'HEALTH_OPTIONS_INVALID', details: { path: 'rules[0].name' } });
    expect(errorOf(() => createAlertEvaluator({ operator: wide, health, rules: [{ name: 'x', metric: 'cpu' as 'p95Ms', threshold: 1 }] })))
      .toMatchObject({ details: { path: 'rules[0].metric' } });
    expect(errorOf(() => alertWebhook({ url: 'ftp://x', secret: SECRET }))).toMatchObject({ code: 'HEALTH_OPTIONS_INVALID' });
  });
});
