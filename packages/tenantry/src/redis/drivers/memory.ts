// The in-process KeyValueStore: what Redis-backed features use when no Redis is configured
// (one process, tests, local development). Same semantics as the ioredis driver: expiry in ms,
// Redis glob matching for SCAN, and the same GCRA arithmetic as the Lua script.
import { systemClock, type Clock } from '../../core/index.js';
import { bindingRule, gcraStep } from '../gcra.js';
import { globMatch } from '../glob.js';
import { FOREIGN_CLOCK_MARGIN_MS } from './gcra-script.js';
import type { GcraOutcome, GcraRule, KeyValueStore } from '../key-value-store.js';

export interface MemoryStoreOptions {
  /** The store's time: expiries and the rate limiter's "now" when none is passed. Default: the system clock. */
  readonly clock?: Clock;
  /** Expired entries are swept after this many writes (amortized). Default 10,000. */
  readonly sweepEvery?: number;
}

interface Entry {
  value: string;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

/** A KeyValueStore in this process's memory. */
export interface MemoryStore extends KeyValueStore {
  /** Live (unexpired) keys; for tests and diagnostics. */
  size(): number;
}

/**
 * @example
 * const store = memoryStore({ clock: fakeClock });
 * const limiter = createRateLimiter({ store });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? systemClock;
  const sweepEvery = options.sweepEvery ?? 10_000;
  const entries = new Map<string, Entry>();
  let writes = 0;
  const step: GcraOutcome = { allowed: true, rule: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0 };
  const tats: number[] = [];

  const nowMs = () => clock.now().getTime();
  const live = (key: string, now: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const wrote = (now: number) => {
    writes += 1;
    if (writes % sweepEvery !== 0) return;
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };

  return {
    kind: 'memory',
    async get(key) {
      return live(key, nowMs())?.value ?? null;
    },
    async set(key, value, ttlMs) {
      const now = nowMs();
      entries.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs });
      wrote(now);
    },
    async unlink(keys) {
      const now = nowMs();
      let removed = 0;
      for (const key of keys) {
        if (live(key, now) !== undefined) removed += 1;
        entries.delete(key);
      }
      return removed;
    },
    async *scan(pattern, count) {
      // A snapshot, like a SCAN cursor: keys written meanwhile may or may not be seen.
      const keys = [...entries.keys()];
      for (let i = 0; i < keys.length; i += count) {
        const now = nowMs();
        const batch = keys.slice(i, i + count).filter((key) => live(key, now) !== undefined && globMatch(pattern, key));
        if (batch.length > 0) yield batch;
      }
    },
    async gcra(rules: readonly GcraRule[], cost: number, nowUs: number | undefined): Promise<GcraOutcome> {
      const now = nowMs();
      const at = nowUs ?? now * 1000;
      const overall: GcraOutcome = { allowed: true, rule: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0 };
      for (let i = 0; i < rules.length; i += 1) {
        const rule = rules[i] as GcraRule;
        const stored = live(rule.key, now);
        tats[i] = gcraStep(stored === undefined ? 0 : Number(stored.value), at, rule.intervalUs, rule.capacityUs, cost, step);
        bindingRule(overall, i, step);
      }
      if (!overall.allowed) return overall;
      for (let i = 0; i < rules.length; i += 1) {
        const rule = rules[i] as GcraRule;
        const tat = tats[i] as number;
        // Kept as long as the TAT lies ahead (after that the key means "full bucket"), plus the
        // margin for a caller-supplied time that may run apart from the store's own.
        const existing = entries.get(rule.key);
        const expiresAt = now + Math.ceil((tat - at) / 1000) + (nowUs === undefined ? 0 : FOREIGN_CLOCK_MARGIN_MS);
        const value = String(tat);
        if (existing === undefined) entries.set(rule.key, { value, expiresAt });
        else {
          existing.value = value;
          existing.expiresAt = expiresAt;
        }
        wrote(now);
      }
      return overall;
    },
    size() {
      const now = nowMs();
      let n = 0;
      for (const key of entries.keys()) if (live(key, now) !== undefined) n += 1;
      return n;
    },
  };
}
