// Tenant rate limits through a real listening server on real Redis: the headers on every
// tenant response, 429 RATE_LIMITED with Retry-After once a tenant's or a key's limit is used
// up, another tenant unaffected, and operator routes never limited.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, systemActor, type ControlPlane } from 'tenantry/control';
import { createRateLimiter, ioredisStore, memoryStore, RECOMMENDED_IOREDIS_OPTIONS, type KeyValueStore } from 'tenantry/redis';
import { definePlanCatalog } from 'tenantry/quota';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { createServer } from 'node:net';
import { buildApp } from '../app.js';
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { serverRateLimit } from './rate-limit.js';

const redisUrl = inject('redisUrl');
const prefix = `test-http-rl-${randomBytes(5).toString('hex')}`;

let t: TestTenantry;
let control: ControlPlane;
let client: Redis | undefined;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
  if (redisUrl) client = new Redis(redisUrl, { ...RECOMMENDED_IOREDIS_OPTIONS, enableOfflineQueue: true, commandTimeout: 5000 });
});
afterAll(async () => {
  if (client) {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
    await client.quit();
  }
  await t?.close();
});

async function apiKey(tenantId: string): Promise<string> {
  return t.db.withTenant(tenantId, async (scope) => (await control.apiKeys.create(scope, { name: 'k', scopes: ['members:read'] }, systemActor('test'))).key);
}

/**
 * A header in seconds, rounded to the 5 s it should be close to: Redis's clock runs on while the
 * test makes its calls, so a value may come out a second or two below the exact one.
 */
/** A port nobody listens on (a Redis that cannot be reached). */
async function unusedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const seconds = (value: string | null | undefined): number => Math.round(Number(value) / 5) * 5;

const backends: { name: string; skip: boolean; store: () => KeyValueStore }[] = [
  { name: `redis${redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)'}`, skip: !redisUrl, store: () => ioredisStore(client as Redis) },
  { name: 'memory', skip: false, store: () => memoryStore() },
];

describe.each(backends)('rate limits on /v1/tenant with the $name store', (backend) => {
  it.skipIf(backend.skip)("refuses with 429 after a tenant's or an API key's limit, leaving other tenants alone", async () => {
    const limiter = createRateLimiter({ store: backend.store(), prefix: `${prefix}-${backend.name.slice(0, 5)}`, onUnavailable: 'closed' });
    const app = buildApp({
      operator: t.operator,
      logger: createLogger({ level: 'silent' }),
      // One a minute, so that no refill happens while the test runs (no timing in assertions).
      api: { registry: t.registry, db: t.db, control, rateLimit: { limiter, limitFor: () => ({ perMinute: 1, burst: 4 }), apiKeyLimitFor: () => ({ perMinute: 1, burst: 2 }) } },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/tenant/members`;
      const [a, b] = [t.tenants[0]!, t.tenants[1]!];
      const [a1, a2, a3, b1] = [await apiKey(a.id), await apiKey(a.id), await apiKey(a.id), await apiKey(b.id)];
      const call = async (key: string) => {
        const res = await fetch(url, { headers: { 'x-api-key': key } });
        const headers = Object.fromEntries(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'content-type'].map((h) => [h, res.headers.get(h)]));
        return { status: res.status, headers, body: (await res.json()) as Record<string, unknown> };
      };

      // Key a1: its own burst of 2 binds first. One request "costs" 60 s of each limit.
      const first = await call(a1);
      expect(first.status).toBe(200);
      expect(first.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'retry-after': null });
      expect(seconds(first.headers['ratelimit-reset'])).toBe(60);
      const second = await call(a1);
      expect(second.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0' });
      expect(seconds(second.headers['ratelimit-reset'])).toBe(120);
      const keyLimited = await call(a1);
      expect(keyLimited.status).toBe(429);
      expect(keyLimited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(keyLimited.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0' });
      expect(seconds(keyLimited.headers['retry-after'])).toBe(60);
      expect(keyLimited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', details: { limit: 2, rule: 'api-key' } });

      // Tenant A has used 2 of 4 (the refusal cost nothing): a2 takes 2 more, then the tenant binds.
      expect((await call(a2)).headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-remaining': '1' });
      const fourth = await call(a2);
      expect(fourth.headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-remaining': '0' });
      expect(seconds(fourth.headers['ratelimit-reset'])).toBe(240);
      const tenantLimited = await call(a3);
      expect(tenantLimited.status).toBe(429);
      expect(tenantLimited.headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-remaining': '0' });
      expect(seconds(tenantLimited.headers['retry-after'])).toBe(60);
      expect(tenantLimited.body).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 4, rule: 'tenant', retryAfterSeconds: Number(tenantLimited.headers['retry-after']) } });

      // Tenant B is untouched by all of that.
      const other = await call(b1);
      expect(other.status).toBe(200);
      expect(other.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1' });

      // Unauthenticated requests never reach the limiter (no tenant, no headers).
      const anonymous = await fetch(url);
      expect([400, 401]).toContain(anonymous.status);
      expect(anonymous.headers.get('ratelimit-limit')).toBeNull();
    } finally {
      await app.close();
    }
  });
});

describe('an access refusal on a rate-limited tenant route', () => {
  it("carries none of the tenant's RateLimit headers (its plan limit and live traffic are not the caller's to see)", async () => {
    const limiter = createRateLimiter({ store: memoryStore(), prefix: `${prefix}-refusal`, onUnavailable: 'closed' });
    const app = buildApp({
      operator: t.operator,
      logger: createLogger({ level: 'silent' }),
      api: { registry: t.registry, db: t.db, control, rateLimit: { limiter, limitFor: () => ({ perMinute: 60, burst: 50 }), apiKeyLimitFor: () => ({ perMinute: 60, burst: 50 }) } },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/tenant/members`;
      const key = await apiKey(t.tenants[0]!.id); // members:read only
      const allowed = await fetch(url, { headers: { 'x-api-key': key } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('ratelimit-limit')).not.toBeNull();
      const refused = await fetch(url, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'someone', role: 'viewer' }) });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('PERMISSION_DENIED');
      expect(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'].map((h) => refused.headers.get(h))).toEqual([null, null, null]);
    } finally {
      await app.close();
    }
  });
});

describe('serverRateLimit (what main.ts starts)', () => {
  it.skipIf(!redisUrl)(`uses Redis from REDIS_URL with the configured limits, and closes its client${redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)'}`, async () => {
    const rateLimit = serverRateLimit(resolveConfig({ redisUrl, rateLimitPerMinute: 60, rateLimitBurst: 7 }), createLogger({ level: 'silent' }));
    try {
      expect(rateLimit.store.kind).toBe('redis');
      const tenant = t.tenants[0]!;
      const rate = rateLimit.options.limitFor(tenant);
      expect(rate).toEqual({ perMinute: 60, burst: 7 });
      expect(rateLimit.options.apiKeyLimitFor?.(tenant, 'k')).toEqual({ perMinute: 300, burst: 50 });
      // The client connects in the background (the server starts without waiting for it).
      await rateLimit.ready();
      const decision = await rateLimit.options.limiter.check(`${prefix}-main`, [{ name: 'tenant', policy: { limit: 60, periodMs: 60_000, burst: 7 } }]);
      expect(decision).toMatchObject({ source: 'store', allowed: true, limit: 7, remaining: 6 });
    } finally {
      await rateLimit.close();
    }
  });

  it("takes a tenant's limit from its plan's apiRequestsPerMinute: none when unlimited, the configured one for a plan without it", () => {
    const catalog = definePlanCatalog({
      meters: { apiRequestsPerMinute: { kind: 'rate', unit: 'requests/min' } },
      plans: {
        free: { limits: { apiRequestsPerMinute: 60 }, price: { currency: 'EUR', baseMinor: 0 } },
        pro: { limits: { apiRequestsPerMinute: 6000 }, price: { currency: 'EUR', baseMinor: 0 } },
        unlimited: { limits: { apiRequestsPerMinute: null }, price: { currency: 'EUR', baseMinor: 0 } },
      },
    });
    const rateLimit = serverRateLimit(resolveConfig({ rateLimitPerMinute: 100, rateLimitBurst: 80 }), createLogger({ level: 'silent' }), { catalog });
    const onPlan = (plan: string) => rateLimit.options.limitFor({ ...t.tenants[0]!, plan });
    expect(onPlan('free')).toEqual({ perMinute: 60, burst: 60 });
    expect(onPlan('pro')).toEqual({ perMinute: 6000, burst: 80 });
    expect(onPlan('pro')).toBe(onPlan('pro'));
    expect(onPlan('unlimited')).toBeUndefined();
    expect(onPlan('not-in-catalog')).toEqual({ perMinute: 100, burst: 80 });
  });

  it("with RATE_LIMIT_ON_UNAVAILABLE=open, lets ordinary routes through while Redis is down but keeps limiting routes that mint access, per server", async () => {
    const port = await unusedPort();
    const rateLimit = serverRateLimit(resolveConfig({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitOnUnavailable: 'open', rateLimitPerMinute: 1, rateLimitBurst: 2 }), createLogger({ level: 'silent' }));
    const app = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }), api: { registry: t.registry, db: t.db, control, rateLimit: rateLimit.options } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/tenant`;
      const headers = { 'x-api-key': await apiKey(t.tenants[1]!.id), 'content-type': 'application/json' };
      // Ordinary reads: open (the configured policy) — beyond the burst of 2.
      for (let i = 0; i < 4; i += 1) expect((await fetch(`${base}/members`, { headers })).status).toBe(200);
      // Minting a key: limited in process (the key lacks apikeys:write, so allowed calls get 403).
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await fetch(`${base}/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'x', scopes: ['members:read'] }) })).status);
      expect(statuses).toEqual([403, 403, 429]);
      expect(rateLimit.options.limiter.stats()).toMatchObject({ failedOpen: 4 });
    } finally {
      await app.close();
      await rateLimit.close();
    }
  });

  it('fails closed without waiting when Redis cannot be reached, and logs the outage once', async () => {
    const port = await unusedPort();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const rateLimit = serverRateLimit(resolveConfig({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitOnUnavailable: 'closed' }), logger);
    try {
      const rules = [{ name: 'tenant', policy: { limit: 60, periodMs: 60_000 } }];
      for (let i = 0; i < 3; i += 1) {
        await expect(rateLimit.options.limiter.check(t.tenants[0]!.id, rules)).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE', kind: 'unavailable' });
      }
      expect(rateLimit.options.limiter.stats()).toMatchObject({ storeErrors: 3, failedClosed: 3 });
      expect(lines.filter((line) => line.includes('applying the unavailability policy'))).toHaveLength(1);
    } finally {
      await rateLimit.close();
    }
  });
});
