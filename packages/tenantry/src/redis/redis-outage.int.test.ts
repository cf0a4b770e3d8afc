// What happens when Redis goes away mid-run and comes back: a redis-server of this test's own
// (on a free port) is killed during a burst of decisions. Each limiter applies its stated
// policy (open, closed, local), every call settles (no offline queue, a command timeout), the
// cache falls through to the loader, and all of it recovers once Redis is back.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { ioredisStore, RECOMMENDED_IOREDIS_OPTIONS } from './drivers/ioredis.js';
import { createRateLimiter, type OnUnavailable, type RateDecision, type RateLimiter } from './rate-limiter.js';
import { perMinute } from './rate-policy.js';
import { freePort, hasRedisServer, startRedis, type OwnedProcess } from '../testing/index.js';
import { createTenantCache } from './tenant-cache.js';

const TENANT = '1f0e2d3c-0000-4000-8000-000000000001';

describe.skipIf(!hasRedisServer)(`rate limiting and caching through a Redis outage${hasRedisServer ? '' : ' (SKIPPED: no redis-server binary)'}`, () => {
  let port: number;
  let server: OwnedProcess;
  let client: Redis;
  const errors: Record<OnUnavailable, number> = { open: 0, closed: 0, local: 0 };
  const limiters = {} as Record<OnUnavailable, RateLimiter>;

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
    client = new Redis({ ...RECOMMENDED_IOREDIS_OPTIONS, port, host: '127.0.0.1' });
    // Connection errors are expected here; without a listener ioredis prints each one.
    client.on('error', () => {});
    await once(client, 'ready');
    const store = ioredisStore(client);
    for (const mode of ['open', 'closed', 'local'] as const) {
      limiters[mode] = createRateLimiter({ store, prefix: `outage-${mode}`, onUnavailable: mode, onStoreError: () => (errors[mode] += 1) });
    }
  });
  afterAll(async () => {
    client?.disconnect();
    if (server) await server.kill();
  });

  const rules = [{ name: 'tenant', policy: perMinute(60, 3) }];
  type Settled = { ok: RateDecision } | { code: string };
  const settle = (mode: OnUnavailable): Promise<Settled> =>
    limiters[mode].check(TENANT, rules).then(
      (ok) => ({ ok }),
      (err: unknown) => ({ code: isTenantryError(err) ? err.code : String(err) }),
    );

  it('applies each policy when Redis dies mid-burst, settles every call, and recovers when it is back', async () => {
    // A burst in flight while the server is killed: every call settles, with a store decision
    // or the mode's policy, never a hang and never an unexpected error.
    const inFlight: Promise<Settled>[] = [];
    for (let i = 0; i < 60; i += 1) {
      for (const mode of ['open', 'closed', 'local'] as const) inFlight.push(settle(mode));
      if (i === 30) await server.kill();
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(inFlight);
    expect(settled.every((s) => ('ok' in s ? ['store', 'open', 'local'].includes(s.ok.source) : s.code === 'RATE_LIMIT_UNAVAILABLE'))).toBe(true);

    // Now certainly down (the server process has exited).
    const open = await settle('open');
    expect(open).toMatchObject({ ok: { allowed: true, source: 'open' } });
    expect(await settle('closed')).toEqual({ code: 'RATE_LIMIT_UNAVAILABLE' });
    // 'local' still limits: a fresh in-process bucket of three, then refusals.
    const local = [await settle('local'), await settle('local'), await settle('local'), await settle('local')];
    const localFresh = createRateLimiter({ store: ioredisStore(client), prefix: 'outage-fresh', onUnavailable: 'local' });
    const fresh = [];
    for (let i = 0; i < 4; i += 1) fresh.push(await localFresh.check(TENANT, rules));
    expect(fresh.map((d) => [d.allowed, d.source])).toEqual([[true, 'local'], [true, 'local'], [true, 'local'], [false, 'local']]);
    expect(local.every((s) => 'ok' in s && s.ok.source === 'local')).toBe(true);

    // Counted and reported, per limiter.
    expect(errors.open).toBeGreaterThan(0);
    expect(errors.closed).toBeGreaterThan(0);
    expect(limiters.closed.stats()).toMatchObject({ failedClosed: errors.closed, storeErrors: errors.closed });
    expect(limiters.open.stats()).toMatchObject({ failedOpen: errors.open });

    // The cache falls through to the loader on reads; a write that cannot be made says so.
    let cacheErrors = 0;
    const cache = createTenantCache({ store: ioredisStore(client), namespace: 'c', prefix: 'outage-cache', onStoreError: () => (cacheErrors += 1) });
    expect(await cache.forTenant(TENANT).get('k')).toBeUndefined();
    expect(await cache.forTenant(TENANT).wrap('k', async () => 'from the database')).toBe('from the database');
    await expect(cache.forTenant(TENANT).set('k', 1)).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', kind: 'unavailable' });
    await expect(cache.forTenant(TENANT).delete('k')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    expect(cacheErrors).toBe(3); // get, wrap's get, wrap's set

    // Redis comes back on the same port: the client reconnects by itself.
    server = await startRedis(port);
    if (client.status !== 'ready') await once(client, 'ready');
    for (const mode of ['open', 'closed', 'local'] as const) {
      expect(await settle(mode)).toMatchObject({ ok: { allowed: true, source: 'store', remaining: 2 } });
    }
    await cache.forTenant(TENANT).set('k', 'cached');
    expect(await cache.forTenant(TENANT).get('k')).toBe('cached');
  });
});
