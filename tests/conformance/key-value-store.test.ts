// One suite for the KeyValueStore interface (packages/tenantry/src/redis/key-value-store.ts),
// run against every driver: the in-process memory store and ioredis. The cache, the tenant
// purge and the rate limiter rely on exactly these behaviours; a new driver is added to STORES.
// (The rate limiter's own decisions on both stores: rate-limiter.test.ts.)
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ioredisStore, memoryStore, type GcraRule, type KeyValueStore } from 'tenantry/redis';
import { cleanUp, redisSkipReason, redisUrl, testRedis, uniquePrefix } from '../support/redis.js';

const prefix = uniquePrefix('kv');
let client: Redis | undefined;
beforeAll(() => {
  if (redisUrl) client = testRedis();
});
afterAll(async () => {
  if (client) await cleanUp(client, prefix);
});

const STORES: readonly { name: string; skip: boolean; store: () => KeyValueStore }[] = [
  { name: 'memory', skip: false, store: () => memoryStore() },
  { name: `ioredis${redisSkipReason}`, skip: !redisUrl, store: () => ioredisStore(client as Redis) },
];

async function scanAll(store: KeyValueStore, pattern: string, count: number): Promise<string[]> {
  const seen = new Set<string>();
  for await (const batch of store.scan(pattern, count)) for (const key of batch) seen.add(key);
  return [...seen].sort();
}

let spaces = 0;
describe.each(STORES)('KeyValueStore conformance: $name', ({ skip, store: make }) => {
  let store: KeyValueStore;
  let space: string;
  beforeAll(() => { if (!skip) store = make(); });
  const key = (name: string) => `${space}:${name}`;
  const fresh = () => { space = `${prefix}-${(spaces += 1)}`; };

  it.skipIf(skip)('gets null for a missing key and the value set, and overwrites', async () => {
    fresh();
    expect(await store.get(key('a'))).toBeNull();
    await store.set(key('a'), 'one');
    expect(await store.get(key('a'))).toBe('one');
    await store.set(key('a'), 'two: with spaces, ünïcode and "quotes"');
    expect(await store.get(key('a'))).toBe('two: with spaces, ünïcode and "quotes"');
  });

  it.skipIf(skip)('forgets a value after its expiry, and keeps one set without', async () => {
    fresh();
    await store.set(key('short'), 'v', 50);
    await store.set(key('kept'), 'v');
    expect(await store.get(key('short'))).toBe('v');
    await vi.waitFor(async () => expect(await store.get(key('short'))).toBeNull(), { timeout: 2000, interval: 20 });
    expect(await store.get(key('kept'))).toBe('v');
  });

  it.skipIf(skip)('unlinks keys and says how many existed', async () => {
    fresh();
    await store.set(key('x'), '1');
    await store.set(key('y'), '2');
    expect(await store.unlink([key('x'), key('y'), key('never')])).toBe(2);
    expect(await store.get(key('x'))).toBeNull();
    expect(await store.unlink([key('x')])).toBe(0);
  });

  it.skipIf(skip)('scans every matching key (and only those) across batches', async () => {
    fresh();
    const mine = Array.from({ length: 25 }, (_, i) => key(`tenant-a:${i}`));
    for (const k of mine) await store.set(k, 'v');
    await store.set(key('tenant-b:0'), 'v');
    expect(await scanAll(store, `${space}:tenant-a:*`, 4)).toEqual([...mine].sort());
    expect(await scanAll(store, `${space}:nothing:*`, 4)).toEqual([]);
  });

  it.skipIf(skip)('checks GCRA rules atomically: the burst, then a denial that records nothing in any rule', async () => {
    fresh();
    const second = 1_000_000;
    const now = Date.now() * 1000;
    // Rule 0: 3 per second, burst 3. Rule 1: 10 per second, burst 10.
    const rules: GcraRule[] = [
      { key: key('gcra-tight'), intervalUs: second / 3, capacityUs: second },
      { key: key('gcra-loose'), intervalUs: second / 10, capacityUs: second },
    ];
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) outcomes.push(await store.gcra(rules, 1, now));
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false]);
    expect(outcomes[3]).toMatchObject({ allowed: false, rule: 0 });
    expect(outcomes[3]!.retryAfterMs).toBeGreaterThan(0);
    // The denied check recorded nothing: the loose rule alone still has 10 − 3 = 7 left.
    expect(await store.gcra([rules[1]!], 1, now)).toMatchObject({ allowed: true, remaining: 6 });
  });
});
