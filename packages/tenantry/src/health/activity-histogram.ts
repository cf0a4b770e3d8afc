// The latency histogram of the activity rollups: fixed bucket bounds, so histograms from many
// processes and many 5-minute buckets add up by position, and a percentile read from the sum.

/**
 * Upper bounds (ms) of the latency buckets; the last bucket is everything above 10 s. Changing
 * them changes the meaning of stored rows: it needs a migration (the table checks the length).
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000]);

/** Number of counts in a histogram: one per bound plus the overflow bucket. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** @example latencyBucket(30) // 3 (the 25–50 ms bucket) */
export function latencyBucket(durationMs: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i += 1) {
    if (durationMs <= (LATENCY_BOUNDS_MS[i] as number)) return i;
  }
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, interpolated linearly inside the bucket it falls
 * in (Prometheus' histogram_quantile does the same). The error is at most that bucket's width;
 * in the overflow bucket the answer is its lower bound, 10 s. `null` for an empty histogram.
 *
 * @example histogramQuantile([0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.95) // 24.25
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i += 1) {
    const n = counts[i] as number;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number);
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - seen)) / n;
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number;
}
