// The latency histogram: buckets by bound, and a p95 that stays inside the bucket of the true
// 95th percentile (so the documented error bound holds) for any set of samples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramQuantile, latencyBucket, LATENCY_BOUNDS_MS, LATENCY_BUCKETS } from './activity-histogram.js';

describe('latency histogram', () => {
  it('puts a duration in the first bucket whose bound is at least it, past 10 s in the overflow bucket', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(5.01)).toBe(1);
    expect(latencyBucket(10_000)).toBe(10);
    expect(latencyBucket(60_000)).toBe(LATENCY_BUCKETS - 1);
  });

  it('reads nothing from an empty histogram and interpolates inside a bucket', () => {
    expect(histogramQuantile(new Array<number>(LATENCY_BUCKETS).fill(0), 0.95)).toBeNull();
    const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
    counts[2] = 10;
    expect(histogramQuantile(counts, 0.95)).toBeCloseTo(24.25);
  });

  it('answers a p95 within the bucket holding the exact 95th percentile of the samples', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 20_000, noNaN: true }), { minLength: 1, maxLength: 300 }), (samples) => {
      const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
      for (const s of samples) counts[latencyBucket(s)] = (counts[latencyBucket(s)] as number) + 1;
      const sorted = [...samples].sort((a, b) => a - b);
      const exact = sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] as number;
      const bucket = latencyBucket(exact);
      const lower = bucket === 0 ? 0 : (LATENCY_BOUNDS_MS[bucket - 1] as number);
      const upper = LATENCY_BOUNDS_MS[bucket] ?? lower;
      const p95 = histogramQuantile(counts, 0.95) as number;
      expect(p95).toBeGreaterThanOrEqual(lower);
      expect(p95).toBeLessThanOrEqual(upper);
    }));
  });
});
