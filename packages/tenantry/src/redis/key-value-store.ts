// The small part of Redis Tenantry uses, as its own interface (docs/architecture.md,
// "Conventions"): the ioredis driver and the in-process memory driver implement it, and one
// conformance suite runs against both.

/** One rule of a rate-limit check, as the store sees it: a key and GCRA parameters in µs. */
export interface GcraRule {
  readonly key: string;
  /** Emission interval T: the time one unit of cost "costs", in whole microseconds. */
  readonly intervalUs: number;
  /** Burst capacity τ + T = burst × T, in whole microseconds. */
  readonly capacityUs: number;
}

/** The store's answer for a multi-rule GCRA check. */
export interface GcraOutcome {
  allowed: boolean;
  /** Index of the rule that binds: the one that denied (longest wait), or the one with the least left. */
  rule: number;
  remaining: number;
  resetAfterMs: number;
  retryAfterMs: number;
}

/**
 * What the cache, the tenant purge and the rate limiter need from a key-value store. Errors
 * of the store (unreachable, timed out) are thrown as they come; callers decide what a failure
 * means (fail open, fail closed, fall through to the database).
 *
 * @example const store: KeyValueStore = ioredisStore(new Redis(url, RECOMMENDED_IOREDIS_OPTIONS));
 */
export interface KeyValueStore {
  /** `'redis'` or `'memory'`; shown in logs and decisions. */
  readonly kind: string;
  get(key: string): Promise<string | null>;
  /** SET with an expiry in milliseconds (PX), or none. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** UNLINK (DEL without blocking Redis on large values); returns how many existed. */
  unlink(keys: readonly string[]): Promise<number>;
  /**
   * SCAN MATCH `pattern` COUNT `count` to the end, one batch of keys at a time. Like SCAN, a
   * key present the whole time is returned at least once; keys may repeat.
   */
  scan(pattern: string, count: number): AsyncIterable<readonly string[]>;
  /**
   * Atomically checks `rules` with GCRA at `nowUs` (or the store's own time when undefined)
   * and, only when every rule allows `cost`, records it in all of them.
   */
  gcra(rules: readonly GcraRule[], cost: number, nowUs: number | undefined): Promise<GcraOutcome>;
  /**
   * The same as `gcra`, synchronously, for in-process stores: the limiter then spends no
   * promise on the store. `out` is filled and returned (the caller owns it).
   */
  gcraSync?(rules: readonly GcraRule[], cost: number, nowUs: number | undefined, out: GcraOutcome): GcraOutcome;
}
