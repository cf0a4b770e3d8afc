// The in-process store's own behaviour (the conformance suites cover what it shares with
// Redis): expiry on its clock, the amortized sweep that bounds its memory, SCAN in batches.
import { describe, expect, it } from 'vitest';
import { memoryStore } from './memory.js';

const clockAt = (start: number) => {
  const clock = { ms: start, now: () => new Date(clock.ms) };
  return clock;
};

describe('memoryStore', () => {
  it('expires values on its clock, exactly at the TTL', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const store = memoryStore({ clock });
    await store.set('a', '1', 1000);
    await store.set('b', '2');
    clock.ms += 999;
    expect(await store.get('a')).toBe('1');
    clock.ms += 1;
    expect(await store.get('a')).toBeNull();
    expect(await store.get('b')).toBe('2');
    expect(await store.unlink(['a', 'b', 'c'])).toBe(1);
  });

  it("forgets rate-limit state once its bucket is full again, and sweeps idle keys so memory stays bounded", async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const store = memoryStore({ clock, sweepEvery: 100 });
    const rule = (key: string) => [{ key, intervalUs: 1_000_000, capacityUs: 1_000_000 }];
    for (let i = 0; i < 100; i += 1) await store.gcra(rule(`k${i}`), 1, undefined);
    expect(store.size()).toBe(100);
    clock.ms += 1000; // every bucket is full again: the keys carry no state, but are still held
    expect(store.size()).toBe(100);
    // The 100 new keys trigger a sweep of the expired ones.
    for (let i = 0; i < 100; i += 1) await store.gcra(rule(`n${i}`), 1, undefined);
    expect(store.size()).toBe(100);
    let live = 0;
    for await (const batch of store.scan('*', 1000)) live += batch.length;
    expect(live).toBe(100);
    // An expired entry that is used again behaves as a fresh one.
    expect(await store.gcra(rule('n0'), 1, undefined)).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    clock.ms += 1000;
    expect(await store.gcra(rule('n0'), 1, undefined)).toMatchObject({ allowed: true, remaining: 0, resetAfterMs: 1000 });
  });

  it('scans in batches of at most COUNT keys, with Redis glob matching', async () => {
    const store = memoryStore();
    for (let i = 0; i < 25; i += 1) await store.set(`p:${i}`, 'x');
    await store.set('q:1', 'x');
    const batches: number[] = [];
    for await (const batch of store.scan('p:*', 10)) batches.push(batch.length);
    expect(batches.every((n) => n <= 10)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(25);
  });
});
