// What a rate limit is: `limit` requests per `periodMs`, of which `burst` may come at once.
// Turned into GCRA's two numbers (emission interval, capacity) in whole microseconds.
import { coreErrors } from '../core/index.js';

/** A rate: `limit` per `periodMs` on average, at most `burst` at once (default: `limit`). */
export interface RatePolicy {
  readonly limit: number;
  readonly periodMs: number;
  readonly burst?: number;
}

/**
 * @example perMinute(600, 50) // 10/s on average, 50 at once
 */
export function perMinute(limit: number, burst?: number): RatePolicy {
  return burst === undefined ? { limit, periodMs: 60_000 } : { limit, periodMs: 60_000, burst };
}

const invalid = (path: string, reason: string): never => {
  throw coreErrors.create('CONFIG_INVALID', { message: `The rate policy's ${path} ${reason}.`, details: { path, reason } });
};

/** GCRA parameters of a policy. The interval is rounded to a whole µs (a rate error below 1 µs per request). */
export interface GcraParams {
  readonly intervalUs: number;
  readonly capacityUs: number;
  readonly burst: number;
}

/**
 * @example gcraParams(perMinute(100, 10)) // { intervalUs: 600000, capacityUs: 6000000, burst: 10 }
 */
export function gcraParams(policy: RatePolicy): GcraParams {
  const { limit, periodMs } = policy;
  const burst = policy.burst ?? limit;
  if (!Number.isSafeInteger(limit) || limit < 1) invalid('limit', 'must be a positive integer');
  if (!Number.isFinite(periodMs) || periodMs <= 0 || periodMs > 366 * 86_400_000) invalid('periodMs', 'must be a positive number of milliseconds up to a year');
  if (!Number.isSafeInteger(burst) || burst < 1 || burst > 1_000_000) invalid('burst', 'must be an integer from 1 to 1000000');
  const intervalUs = Math.max(1, Math.round((periodMs * 1000) / limit));
  return { intervalUs, capacityUs: intervalUs * burst, burst };
}
