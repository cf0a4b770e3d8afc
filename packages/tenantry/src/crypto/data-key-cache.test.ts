// The cache of unwrapped data keys: bounded, expiring by a clock it is given, keyed by tenant
// and version and never answering for a key row it did not come from.
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newTenantId, type Clock } from '../core/index.js';
import { DataKeyCache } from './data-key-cache.js';

function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (ms: number) => { now += ms; } };
}
const key = () => createSecretKey(randomBytes(32));
const a = newTenantId();
const b = newTenantId();
const wrapped = randomBytes(61);

describe('DataKeyCache', () => {
  it('answers a key by tenant and version, for the wrapped form it came from', () => {
    const { clock } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 10, ttlMs: 60_000 }, clock);
    const k = key();
    cache.set(a, 1, 'primary', wrapped, k);
    expect(cache.get(a, 1, 'primary', wrapped)).toBe(k);
    expect(cache.get(a, 2, 'primary', wrapped)).toBeUndefined();
    expect(cache.get(b, 1, 'primary', wrapped)).toBeUndefined();
  });

  it('misses, and forgets the key, when the row now holds another wrapped key or master key id', () => {
    const { clock } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 10, ttlMs: 60_000 }, clock);
    cache.set(a, 1, 'primary', wrapped, key());
    expect(cache.get(a, 1, 'primary', randomBytes(61))).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set(a, 1, 'primary', wrapped, key());
    expect(cache.get(a, 1, 'secondary', wrapped)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops a key once its time to live has passed, used or not', () => {
    const { clock, advance } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 10, ttlMs: 60_000 }, clock);
    cache.set(a, 1, 'primary', wrapped, key());
    advance(59_999);
    expect(cache.get(a, 1, 'primary', wrapped)).toBeDefined();
    advance(1);
    expect(cache.get(a, 1, 'primary', wrapped)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries keys, dropping the least recently used', () => {
    const { clock } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 2, ttlMs: 60_000 }, clock);
    cache.set(a, 1, 'primary', wrapped, key());
    cache.set(a, 2, 'primary', wrapped, key());
    expect(cache.get(a, 1, 'primary', wrapped)).toBeDefined(); // version 2 is now the oldest use
    cache.set(b, 1, 'primary', wrapped, key());
    expect(cache.size).toBe(2);
    expect(cache.get(a, 2, 'primary', wrapped)).toBeUndefined();
    expect(cache.get(a, 1, 'primary', wrapped)).toBeDefined();
    expect(cache.get(b, 1, 'primary', wrapped)).toBeDefined();
  });

  it('forgets every key of one tenant, and only of that tenant', () => {
    const { clock } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 10, ttlMs: 60_000 }, clock);
    cache.set(a, 1, 'primary', wrapped, key());
    cache.set(a, 2, 'primary', wrapped, key());
    cache.set(b, 1, 'primary', wrapped, key());
    cache.evictTenant(a);
    expect(cache.get(a, 1, 'primary', wrapped)).toBeUndefined();
    expect(cache.get(a, 2, 'primary', wrapped)).toBeUndefined();
    expect(cache.get(b, 1, 'primary', wrapped)).toBeDefined();
  });

  it('keeps nothing with maxEntries 0', () => {
    const { clock } = fakeClock();
    const cache = new DataKeyCache({ maxEntries: 0, ttlMs: 60_000 }, clock);
    cache.set(a, 1, 'primary', wrapped, key());
    expect(cache.size).toBe(0);
  });
});
