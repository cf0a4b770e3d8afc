// Tenant webhooks against a real PostgreSQL, a real pg-boss queue and a real HTTP receiver
// started here: deliveries signed in the Standard Webhooks format with the tenant's secret (both
// secrets during a rotation), a 500 retried until it succeeds, a slow receiver timed out, an
// endpoint disabled after failed deliveries in a row, replay from the log, the SSRF guard at save
// and at connect, and a property over many tenants that no tenant's event reaches another's
// endpoint or log.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Tenant } from 'tenantry';
import { createJobQueue, type JobQueue } from 'tenantry/jobs';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';
import { codeOf, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import {
  createSigningSecrets, createTenantWebhooks, isPublicAddress, verifyStandardWebhook, type ControlScope, type TenantWebhooks, type WebhookDelivery,
} from 'tenantry/control';

interface Received { readonly path: string; readonly headers: IncomingHttpHeaders; readonly body: string }

const schema = `pgboss_wh_${randomBytes(4).toString('hex')}`;
let t: TestTenantry;
let boss: PgBoss;
let queue: JobQueue;
let webhooks: TenantWebhooks;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** What the receiver answers per path: a status, or `hang` (never answers). */
const behaviour = new Map<string, (number | 'hang')[]>();
const signingSecrets = createSigningSecrets({ encryption: 'none', graceMs: 3_600_000 });

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 10 });
  boss = new PgBoss({ connectionString: t.url, schema, max: 4, maintenanceIntervalSeconds: 1, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const next = behaviour.get(path)?.shift() ?? 200;
      if (next === 'hang') return;
      res.writeHead(next).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  queue = createJobQueue({ backend: pgBossBackend({ boss, schema, pollIntervalMs: 50 }), tenants: t.registry });
  // The receiver is on loopback: this deployment allows private targets (the guard is tested below).
  webhooks = createTenantWebhooks({ signingSecrets, queue, db: t.db, privateTargets: 'allow', timeoutMs: 400, retries: 1, retryDelayMs: 0, disableAfterFailures: 2 });
  await queue.start();
});

afterAll(async () => {
  await queue?.stop();
  await boss?.stop({ graceful: false, wait: true });
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await t?.close();
});

const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const tenant = (i: number) => t.tenants[i] as Tenant;

async function settled(owner: Tenant, delivery: WebhookDelivery) {
  return vi.waitFor(async () => {
    const now = await inTenant(owner, (s) => webhooks.delivery(s, delivery.id));
    if (now.status === 'pending') throw new Error('still pending');
    return now;
  }, { timeout: 15_000, interval: 50 });
}

function verifies(secret: string, request: Received): boolean {
  const h = request.headers;
  return verifyStandardWebhook([secret], { id: h['webhook-id'] as string, timestamp: h['webhook-timestamp'] as string, signature: h['webhook-signature'] as string }, request.body).valid;
}

describe('tenant webhooks', () => {
  it('delivers an event from the queue, signed with the tenant\'s secret in the Standard Webhooks format', async () => {
    const a = tenant(0);
    const { endpoint, signingSecret } = await inTenant(a, (s) => webhooks.create(s, { url: `${base}/signed`, eventTypes: ['member.*'] }));
    expect(signingSecret).toMatch(/^tnt_sig_/);
    // Not subscribed: no delivery at all.
    expect(await inTenant(a, (s) => webhooks.emit(s, 'usage.alert', { meter: 'seats' }))).toEqual([]);
    const [delivery] = await inTenant(a, (s) => webhooks.emit(s, 'member.added', { userId: 'u-1' }));
    const done = await settled(a, delivery as WebhookDelivery);
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, endpointId: endpoint.id });
    expect(done.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200 })]);
    const request = received.find((r) => r.path === '/signed') as Received;
    expect(JSON.parse(request.body)).toMatchObject({ type: 'member.added', tenantId: a.id, data: { userId: 'u-1' } });
    expect(request.headers['webhook-id']).toBe(done.eventId);
    expect(verifies(signingSecret as string, request)).toBe(true);
    // Another tenant's secret, or a changed body, does not verify.
    const other = await inTenant(tenant(1), (s) => signingSecrets.rotate(s));
    expect(verifies(other.secret, request)).toBe(false);
    expect(verifies(signingSecret as string, { ...request, body: request.body.replace('u-1', 'u-2') })).toBe(false);
  });

  it('signs with both secrets during a rotation\'s grace period, so a receiver holding either verifies', async () => {
    const c = tenant(2);
    const { signingSecret } = await inTenant(c, (s) => webhooks.create(s, { url: `${base}/rotation`, eventTypes: ['*'] }));
    const { secret: next } = await inTenant(c, (s) => signingSecrets.rotate(s));
    const [delivery] = await inTenant(c, (s) => webhooks.emit(s, 'webhook.test', {}));
    await settled(c, delivery as WebhookDelivery);
    const request = received.find((r) => r.path === '/rotation') as Received;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(signingSecret as string, request)).toBe(true);
    expect(verifies(next, request)).toBe(true);
  });

  it('retries a delivery the receiver answered 500, and logs both attempts', async () => {
    const d = tenant(3);
    behaviour.set('/flaky', [500, 200]);
    await inTenant(d, (s) => webhooks.create(s, { url: `${base}/flaky`, eventTypes: ['usage.alert'] }));
    const [delivery] = await inTenant(d, (s) => webhooks.emit(s, 'usage.alert', { meter: 'api' }));
    const done = await settled(d, delivery as WebhookDelivery);
    expect(done.status).toBe('delivered');
    expect(done.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 200]]);
    expect(done.attemptLog[0]?.error).toBe('the receiver answered 500');
    // Every attempt sent the same event under the same id.
    const sent = received.filter((r) => r.path === '/flaky');
    expect(new Set(sent.map((r) => r.headers['webhook-id']))).toEqual(new Set([done.eventId]));
  });

  it('times a slow receiver out, fails the delivery after its retries, and disables the endpoint after failed deliveries in a row', async () => {
    const e = tenant(4);
    behaviour.set('/slow', ['hang', 'hang', 500, 500]);
    const { endpoint } = await inTenant(e, (s) => webhooks.create(s, { url: `${base}/slow`, eventTypes: ['tenant.*'] }));
    const [first] = await inTenant(e, (s) => webhooks.emit(s, 'tenant.updated', { n: 1 }));
    const failed = await settled(e, first as WebhookDelivery);
    expect(failed.status).toBe('failed');
    expect(failed.attemptLog.map((a) => a.error)).toEqual(['timed out after 400 ms', 'timed out after 400 ms']);
    expect((await inTenant(e, (s) => webhooks.get(s, endpoint.id))).consecutiveFailures).toBe(1);
    const [second] = await inTenant(e, (s) => webhooks.emit(s, 'tenant.updated', { n: 2 }));
    expect((await settled(e, second as WebhookDelivery)).status).toBe('failed');
    const disabled = await inTenant(e, (s) => webhooks.get(s, endpoint.id));
    expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 2, disabledReason: 'disabled after 2 failed deliveries in a row' });
    // A disabled endpoint gets no new deliveries; enabling it clears the count, and a replay
    // from the log sends the failed event again.
    expect(await inTenant(e, (s) => webhooks.emit(s, 'tenant.updated', { n: 3 }))).toEqual([]);
    const enabled = await inTenant(e, (s) => webhooks.update(s, endpoint.id, { enabled: true }));
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(enabled.disabledReason).toBeUndefined();
    const replay = await inTenant(e, (s) => webhooks.replay(s, (first as WebhookDelivery).id));
    const replayed = await settled(e, replay);
    expect(replayed).toMatchObject({ status: 'delivered', replayOf: (first as WebhookDelivery).id, eventId: (first as WebhookDelivery).eventId });
  });

  it('refuses loopback, private and link-local targets at save and at connect unless allowed', async () => {
    const f = tenant(5);
    // This instance's queue only records what it was asked to enqueue: the attempt is run here.
    const enqueued: unknown[] = [];
    const held: JobQueue = {
      define: () => undefined, start: () => Promise.resolve(), stop: () => Promise.resolve(), deadLetters: () => Promise.resolve([]),
      list: () => Promise.resolve([]), retry: () => Promise.resolve(), failedCounts: () => Promise.resolve(new Map()),
      enqueue: (_name, payload) => { enqueued.push(payload); return Promise.resolve(undefined); },
    };
    const guarded = createTenantWebhooks({ signingSecrets, queue: held, db: t.db });
    for (const url of ['http://127.0.0.1/x', 'http://10.1.2.3/', 'https://169.254.169.254/latest', 'http://[::1]:8080/', 'http://[::ffff:127.0.0.1]/', 'http://localhost:3000/', 'http://0.0.0.0/', 'http://192.168.1.1/', 'http://[fd00::1]/']) {
      expect(await codeOf(inTenant(f, (s) => guarded.create(s, { url, eventTypes: ['*'] }))), url).toBe('WEBHOOK_TARGET_FORBIDDEN');
    }
    expect(await codeOf(inTenant(f, (s) => guarded.create(s, { url: 'ftp://example.com/', eventTypes: ['*'] })))).toBe('CONTROL_FIELD_INVALID');
    expect(await codeOf(inTenant(f, (s) => guarded.create(s, { url: 'https://example.com/', eventTypes: ['nope'] })))).toBe('WEBHOOK_EVENT_TYPE_INVALID');
    // A name that resolves to loopback (saved by a deployment that allowed it) is refused when
    // the socket connects: the receiver never sees the request.
    await inTenant(f, (s) => webhooks.create(s, { url: `${base.replace('127.0.0.1', 'localhost')}/rebind`, eventTypes: ['webhook.test'] }));
    const [queued] = await inTenant(f, (s) => guarded.emit(s, 'webhook.test', {}));
    expect(enqueued).toEqual([{ deliveryId: (queued as WebhookDelivery).id }]);
    expect(await inTenant(f, (s) => guarded.attempt(s, (queued as WebhookDelivery).id, { number: 1, final: true }))).toBe('failed');
    const log = await inTenant(f, (s) => webhooks.delivery(s, (queued as WebhookDelivery).id));
    expect(log.status).toBe('failed');
    expect(log.attemptLog[0]?.error).toMatch(/^WEBHOOK_TARGET_FORBIDDEN/);
    expect(received.some((r) => r.path === '/rebind')).toBe(false);
  });

  it('classifies addresses: nothing non-public passes, in any notation', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '93.184.216.34']) expect(isPublicAddress(address), address).toBe(true);
    fc.assert(fc.property(
      fc.constantFrom('127', '10', '169.254', '192.168', '172.16', '100.64', '0'),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }),
      (prefix, rest) => {
        const v4 = [...prefix.split('.'), ...rest].slice(0, 4).join('.');
        const [p, q, r, s] = v4.split('.').map(Number) as [number, number, number, number];
        const hex = `${((p << 8) | q).toString(16)}:${((r << 8) | s).toString(16)}`;
        return [v4, `::ffff:${v4}`, `::ffff:${hex}`, `64:ff9b::${v4}`].every((a) => !isPublicAddress(a));
      },
    ), { numRuns: 200 });
  });

  it('never sends one tenant\'s event to another tenant\'s endpoint, nor shows it in another\'s log (property over many tenants)', async () => {
    const owners = [6, 7, 8, 9].map(tenant);
    const secrets = new Map<string, string>();
    for (const owner of owners) {
      const made = await inTenant(owner, (s) => webhooks.create(s, { url: `${base}/iso/${owner.id}`, eventTypes: ['member.*', 'usage.alert'] }));
      secrets.set(owner.id, made.signingSecret as string);
    }
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ owner: fc.integer({ min: 0, max: owners.length - 1 }), type: fc.constantFrom('member.added', 'member.removed', 'usage.alert') }), { minLength: 1, maxLength: 8 }),
      async (events) => {
        const emitted = await Promise.all(events.map(async ({ owner, type }, n) => {
          const who = owners[owner] as Tenant;
          const [delivery] = await inTenant(who, (s) => webhooks.emit(s, type as 'member.added', { n, marker: randomBytes(4).toString('hex') }));
          return { who, delivery: delivery as WebhookDelivery };
        }));
        for (const { who, delivery } of emitted) expect((await settled(who, delivery)).status).toBe('delivered');
        for (const { who, delivery } of emitted) {
          const got = received.filter((r) => r.headers['webhook-id'] === delivery.eventId);
          expect(got.map((r) => r.path)).toEqual([`/iso/${who.id}`]);
          expect((JSON.parse((got[0] as Received).body) as { tenantId: string }).tenantId).toBe(who.id);
          for (const [id, secret] of secrets) expect(verifies(secret, got[0] as Received)).toBe(id === who.id);
          // Each tenant's log holds its own deliveries, never another's.
          for (const other of owners) {
            const log = await inTenant(other, (s) => webhooks.deliveries(s, { limit: 500 }));
            expect(log.some((d) => d.id === delivery.id)).toBe(other.id === who.id);
          }
        }
      },
    ), { numRuns: 6 });
  });
});
