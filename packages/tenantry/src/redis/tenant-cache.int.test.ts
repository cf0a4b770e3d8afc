// The tenant cache and the tenant purge, on the memory store and on Redis: JSON round trips,
// TTLs, one load per key for concurrent wraps, the tenant from context, and a purge that
// removes one tenant's keys and never another's (fast-check, many tenants).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runWithTenant, type Clock, type TenantId } from '../core/index.js';
import { ioredisStore, RECOMMENDED_IOREDIS_OPTIONS } from './drivers/ioredis.js';
import { memoryStore } from './drivers/memory.js';
import { keysFor } from './key-scope.js';
import type { KeyValueStore } from './key-value-store.js';
import { purgeTenantKeys } from './purge-tenant.js';
import { createRateLimiter } from './rate-limiter.js';
import { perMinute } from './rate-policy.js';
import { createTenantCache } from './tenant-cache.js';

const redisUrl = inject('redisUrl');
const runId = randomBytes(5).toString('hex');
const client = redisUrl ? new Redis(redisUrl, { ...RECOMMENDED_IOREDIS_OPTIONS, enableOfflineQueue: true, commandTimeout: 5000 }) : undefined;
let spaces = 0;
const space = () => `test-cache-${runId}-${(spaces += 1)}`;

afterAll(async () => {
  if (!client) return;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `test-cache-${runId}-*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
  await client.quit();
});

const A = '6a1d4d44-0000-4000-8000-00000000000a' as TenantId;
const B = '6a1d4d44-0000-4000-8000-00000000000b' as TenantId;

const backends = [
  { name: 'memory', skip: false, store: (clock?: Clock): KeyValueStore => memoryStore(clock ? { clock } : {}) },
  { name: `redis${redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)'}`, skip: !client, store: (): KeyValueStore => ioredisStore(client as Redis) },
];

describe.each(backends)('tenant cache and purge on $name', (backend) => {
  describe.skipIf(backend.skip)('', () => {
    it('round-trips JSON values per tenant, and refuses what JSON cannot hold', async () => {
      const cache = createTenantCache({ store: backend.store(), namespace: 'products', prefix: space() });
      await cache.forTenant(A).set('list', { items: [1, 'two', null], nested: { ok: true } });
      expect(await cache.forTenant(A).get('list')).toEqual({ items: [1, 'two', null], nested: { ok: true } });
      expect(await cache.forTenant(B).get('list')).toBeUndefined();
      await expect(cache.forTenant(A).set('x', undefined)).rejects.toMatchObject({ code: 'CACHE_VALUE_INVALID' });
      await expect(cache.forTenant(A).set('x', 1n)).rejects.toMatchObject({ code: 'CACHE_VALUE_INVALID' });
      await cache.forTenant(A).delete('list');
      expect(await cache.forTenant(A).get('list')).toBeUndefined();
    });

    it('takes the tenant from the context, and refuses to guess without one', async () => {
      const cache = createTenantCache({ store: backend.store(), namespace: 'n', prefix: space() });
      await runWithTenant(A, () => cache.set('k', 'for A'));
      await runWithTenant(B, () => cache.set('k', 'for B'));
      expect(await runWithTenant(A, () => cache.get('k'))).toBe('for A');
      expect(await cache.forTenant(B).get('k')).toBe('for B');
      await expect(cache.get('k')).rejects.toMatchObject({ code: 'TENANT_CONTEXT_MISSING' });
    });

    it('wrap loads once for concurrent calls on one key, per tenant, and then serves the cache', async () => {
      const cache = createTenantCache({ store: backend.store(), namespace: 'wrap', prefix: space() });
      let loads = 0;
      const load = (value: string) => async () => {
        loads += 1;
        await new Promise<void>((resolve) => setImmediate(resolve));
        return { value };
      };
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => cache.forTenant(A).wrap('k', load('A'))),
        ...Array.from({ length: 10 }, () => cache.forTenant(B).wrap('k', load('B'))),
      ]);
      expect(loads).toBe(2);
      expect(results.map((r) => r.value)).toEqual([...Array<string>(10).fill('A'), ...Array<string>(10).fill('B')]);
      expect(await cache.forTenant(A).wrap('k', load('again'))).toEqual({ value: 'A' });
      expect(loads).toBe(2);
    });

    it('expires entries after their TTL', async () => {
      let now = Date.UTC(2026, 0, 1);
      const clock = { now: () => new Date(now) };
      const store = backend.store(clock);
      const prefix = space();
      const cache = createTenantCache({ store, namespace: 'ttl', prefix, defaultTtlMs: 60_000 });
      await cache.forTenant(A).set('short', 1, { ttlMs: 1000 });
      await cache.forTenant(A).set('default', 2);
      if (backend.name === 'memory') {
        now += 1000;
        expect(await cache.forTenant(A).get('short')).toBeUndefined();
        expect(await cache.forTenant(A).get('default')).toBe(2);
        now += 59_000;
        expect(await cache.forTenant(A).get('default')).toBeUndefined();
      } else {
        // Redis keeps its own time: check the expiries it recorded instead of waiting.
        const keys = keysFor(A, { prefix });
        const short = await (client as Redis).pttl(keys.key('ttl', 'short'));
        const long = await (client as Redis).pttl(keys.key('ttl', 'default'));
        expect(short).toBeGreaterThan(0);
        expect(short).toBeLessThanOrEqual(1000);
        expect(long).toBeGreaterThan(1000);
        expect(long).toBeLessThanOrEqual(60_000);
      }
    });

    it("purges every key of one tenant (cache, rate limits, the app's own) and none of any other", async () => {
      const store = backend.store();
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.oneof(fc.uuid(), fc.constantFrom('a', 'a:b', '*', '{x}', 'a\nb', 'a\\b', '[a]')), { minLength: 3, maxLength: 12 }),
          fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 6 }),
          fc.nat(),
          async (tenants, parts, pick) => {
            const prefix = space();
            const cache = createTenantCache({ store, namespace: 'c', prefix });
            const limiter = createRateLimiter({ store, prefix, onUnavailable: 'closed' });
            const expected = new Map<string, number>();
            for (const tenant of tenants) {
              const keys = keysFor(tenant, { prefix });
              for (const part of parts) {
                await cache.forTenant(tenant).set(part, part);
                await store.set(keys.key('sessions', part), 'x');
              }
              await limiter.check(tenant, [{ name: 'tenant', policy: perMinute(10) }]);
              expected.set(tenant, new Set(parts).size * 2 + 1);
            }
            const victim = tenants[pick % tenants.length] as string;
            const { deleted } = await purgeTenantKeys(store, victim, { prefix, batchSize: 3 });
            expect(deleted).toBe(expected.get(victim));
            for (const tenant of tenants) {
              let left = 0;
              for await (const batch of store.scan(keysFor(tenant, { prefix }).pattern(), 100)) left += batch.length;
              expect(left).toBe(tenant === victim ? 0 : expected.get(tenant));
            }
            expect(await purgeTenantKeys(store, victim, { prefix })).toEqual({ deleted: 0 });
          },
        ),
        { numRuns: 15 },
      );
    });
  });
});

