// The Space-Saving summary keeps its guarantees on any stream: counts bound the true counts from
// both sides, and every key heavier than total/capacity is tracked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpaceSaving } from './space-saving.js';

const streams = fc.record({
  capacity: fc.integer({ min: 1, max: 12 }),
  // Few distinct keys with a skew, so both heavy hitters and churn occur.
  stream: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 60 }).map((i) => `k${i}`) }), { maxLength: 400 }),
});

function trueCounts(stream: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of stream) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

describe('SpaceSaving', () => {
  it('bounds every tracked key: count - error <= true count <= count', () => {
    fc.assert(
      fc.property(streams, ({ capacity, stream }) => {
        const summary = new SpaceSaving(capacity);
        for (const key of stream) summary.observe(key);
        const truth = trueCounts(stream);
        for (const hit of summary.top(capacity)) {
          const actual = truth.get(hit.key) ?? 0;
          expect(hit.count).toBeGreaterThanOrEqual(actual);
          expect(hit.count - hit.error).toBeLessThanOrEqual(actual);
        }
      }),
    );
  });

  it('tracks every key whose true count exceeds total/capacity, and the counts sum to the total', () => {
    fc.assert(
      fc.property(streams, ({ capacity, stream }) => {
        const summary = new SpaceSaving(capacity);
        for (const key of stream) summary.observe(key);
        for (const [key, count] of trueCounts(stream)) {
          if (count > stream.length / capacity) expect(summary.get(key)).toBeDefined();
        }
        const tracked = summary.top(capacity);
        expect(tracked.length).toBeLessThanOrEqual(capacity);
        expect(tracked.reduce((sum, h) => sum + h.count, 0)).toBe(stream.length);
      }),
    );
  });

  it('returns the guaranteed count from observe and keeps the heap order through decay', () => {
    fc.assert(
      fc.property(streams, ({ capacity, stream }) => {
        const summary = new SpaceSaving(capacity);
        stream.forEach((key, i) => {
          const guaranteed = summary.observe(key);
          const hit = summary.get(key);
          expect(guaranteed).toBe((hit?.count ?? 0) - (hit?.error ?? 0));
          if (i % 97 === 96) summary.decay();
        });
        // After decays the summary still replaces its true minimum: a fresh key gets min + 1.
        const before = summary.top(capacity);
        summary.observe('fresh-key');
        if (before.length === capacity) {
          const min = Math.min(...before.map((h) => h.count));
          expect(summary.get('fresh-key')).toEqual({ key: 'fresh-key', count: min + 1, error: min });
        }
      }),
    );
  });

  it('ranks by guaranteed count', () => {
    const summary = new SpaceSaving(2);
    for (const key of ['a', 'a', 'a', 'b', 'c']) summary.observe(key);
    // c replaced b (count 1): c has count 2 with error 1, a has 3 with error 0.
    expect(summary.top(2)).toEqual([{ key: 'a', count: 3, error: 0 }, { key: 'c', count: 2, error: 1 }]);
  });

  it('refuses a capacity below one', () => {
    expect(() => new SpaceSaving(0)).toThrow(RangeError);
  });
});
