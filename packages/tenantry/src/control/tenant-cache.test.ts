// The per-instance cache over the change feed: hits only while the feed is live, an invalidation
// beats a load that raced it, concurrent misses share one load, a lost link empties it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { TenantId } from '../core/index.js';
import { memoryChangeFeed, type ChangeFeed, type FeedLink } from '../redis/index.js';
import { createTenantCache } from './tenant-cache.js';

const tenant = () => randomUUID() as TenantId;

/** A load whose answer the test hands out, to order it against invalidations. */
function deferredLoad<V>() {
  const pending: ((v: V) => void)[] = [];
  let calls = 0;
  return {
    load: () => { calls += 1; return new Promise<V>((resolve) => pending.push(resolve)); },
    answer: (v: V) => pending.shift()?.(v),
    get calls() { return calls; },
  };
}

/** A memory feed whose link the test can drop and restore. */
function controllableFeed(): ChangeFeed & { link(state: FeedLink): void } {
  const inner = memoryChangeFeed();
  const listeners: ((l: FeedLink) => void)[] = [];
  return {
    publish: (topic, id) => inner.publish(topic, id),
    async subscribe(topic, onChange, options) {
      if (options?.onLink) listeners.push(options.onLink);
      return inner.subscribe(topic, onChange);
    },
    link: (state) => { for (const l of listeners) l(state); },
  };
}

describe('createTenantCache', () => {
  it('serves hits once subscribed, and nothing without a feed', async () => {
    const id = tenant();
    const none = createTenantCache<string>({ topic: 'settings' });
    await none.get(id, async () => 'v');
    expect(none.peek(id)).toBeUndefined();

    const cache = createTenantCache<string>({ topic: 'settings', feed: memoryChangeFeed() });
    await cache.ready();
    expect(await cache.get(id, async () => 'v1')).toBe('v1');
    expect(cache.peek(id)).toBe('v1');
    expect(await cache.get(id, async () => 'v2')).toBe('v1');
    await cache.close();
  });

  it('drops an entry on every instance when one instance reports a change', async () => {
    const feed = memoryChangeFeed();
    const one = createTenantCache<string>({ topic: 'settings', feed });
    const two = createTenantCache<string>({ topic: 'settings', feed });
    await Promise.all([one.ready(), two.ready()]);
    const [a, b] = [tenant(), tenant()];
    for (const c of [one, two]) { await c.get(a, async () => 'a'); await c.get(b, async () => 'b'); }
    await one.changed(a);
    expect([one.peek(a), two.peek(a)]).toEqual([undefined, undefined]);
    expect([one.peek(b), two.peek(b)]).toEqual(['b', 'b']);
    await Promise.all([one.close(), two.close()]);
  });

  it('does not store a load that an invalidation overtook', async () => {
    const cache = createTenantCache<string>({ topic: 'settings', feed: memoryChangeFeed() });
    await cache.ready();
    const id = tenant();
    const slow = deferredLoad<string>();
    const reading = cache.get(id, slow.load);
    cache.invalidate(id); // the row changed while the old value was on its way
    slow.answer('old');
    expect(await reading).toBe('old');
    expect(cache.peek(id)).toBeUndefined();
    expect(await cache.get(id, async () => 'new')).toBe('new');
    expect(cache.peek(id)).toBe('new');
    await cache.close();
  });

  it('shares one load among concurrent misses', async () => {
    const cache = createTenantCache<string>({ topic: 'settings', feed: memoryChangeFeed() });
    await cache.ready();
    const id = tenant();
    const slow = deferredLoad<string>();
    const reads = [cache.get(id, slow.load), cache.get(id, slow.load), cache.get(id, slow.load)];
    slow.answer('v');
    expect(await Promise.all(reads)).toEqual(['v', 'v', 'v']);
    expect(slow.calls).toBe(1);
    await cache.close();
  });

  it('reads through and stores nothing while the link is lost, and starts empty when it is back', async () => {
    const feed = controllableFeed();
    const cache = createTenantCache<string>({ topic: 'settings', feed });
    await cache.ready();
    const id = tenant();
    await cache.get(id, async () => 'before');
    feed.link('lost');
    expect(cache.peek(id)).toBeUndefined();
    expect(await cache.get(id, async () => 'during')).toBe('during');
    expect(await cache.get(id, async () => 'during-2')).toBe('during-2');
    feed.link('restored');
    expect(cache.peek(id)).toBeUndefined();
    expect(await cache.get(id, async () => 'after')).toBe('after');
    expect(cache.peek(id)).toBe('after');
    await cache.close();
  });

  it('keeps the entries in use and drops the least recently used (second-chance LRU), and counts it all', async () => {
    const cache = createTenantCache<number>({ topic: 'settings', feed: memoryChangeFeed(), maxEntries: 3 });
    await cache.ready();
    const [a, b, c, d, e] = [tenant(), tenant(), tenant(), tenant(), tenant()];
    await cache.get(a, async () => 1);
    await cache.get(b, async () => 2);
    await cache.get(c, async () => 3);
    await cache.get(a, async () => -1); // a hit: a is in use, b is now the least recently used
    await cache.get(d, async () => 4);
    // c and d are read again; a had its second chance when b went, and was not read since.
    expect([await cache.get(c, async () => -1), await cache.get(d, async () => -1)]).toEqual([3, 4]);
    await cache.get(e, async () => 5);
    expect([a, b, c, d, e].map((id) => cache.peek(id))).toEqual([undefined, undefined, 3, 4, 5]);
    expect(cache.stats()).toEqual({ entries: 3, maxEntries: 3, hits: 6, misses: 5, evictions: 2 });
    await cache.close();
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    const cache = createTenantCache<number>({ topic: 'settings', feed: memoryChangeFeed(), maxEntries: 3 });
    await cache.ready();
    const ids = [tenant(), tenant(), tenant(), tenant()];
    for (const [i, id] of ids.entries()) await cache.get(id, async () => i);
    expect(ids.map((id) => cache.peek(id))).toEqual([undefined, 1, 2, 3]);
    await cache.close();
  });

  it('sweeps entries older than maxAgeMs, a bound should an invalidation be lost', async () => {
    vi.useFakeTimers();
    try {
      const cache = createTenantCache<string>({ topic: 'settings', feed: memoryChangeFeed(), maxAgeMs: 1000 });
      await cache.ready();
      const [old, fresh] = [tenant(), tenant()];
      await cache.get(old, async () => 'old');
      await vi.advanceTimersByTimeAsync(800);
      await cache.get(fresh, async () => 'fresh');
      await vi.advanceTimersByTimeAsync(500); // old is 1300 ms old, fresh 500 ms
      expect([cache.peek(old), cache.peek(fresh)]).toEqual([undefined, 'fresh']);
      await vi.advanceTimersByTimeAsync(1000);
      expect(cache.peek(fresh)).toBeUndefined();
      await cache.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a misspelt option or a bad bound rather than falling back to a default', () => {
    const error = (options: unknown) => { try { createTenantCache(options as never); } catch (err) { return err; } return undefined; };
    expect(error({ topic: 'settings', maxAgeMS: 5 })).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'cache.maxAgeMS' } });
    expect(error({ topic: 'settings', maxEntries: 0 })).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'cache.maxEntries' } });
    expect(error({ topic: 'Settings!' })).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'topic' } });
  });

  it('serves nothing after close', async () => {
    const cache = createTenantCache<string>({ topic: 'settings', feed: memoryChangeFeed() });
    await cache.ready();
    const id = tenant();
    await cache.get(id, async () => 'v');
    await cache.close();
    expect(cache.peek(id)).toBeUndefined();
  });
});
