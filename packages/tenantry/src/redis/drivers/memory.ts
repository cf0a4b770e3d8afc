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
  /** A cached value; for GCRA state `tat` holds the number instead. */
  value: string | undefined;
  /**
   * GCRA's theoretical arrival time in µs, in a field of its own that only ever holds a double:
   * V8 then updates it in place, where a string-or-number field would box a new number on
   * every decision (measured: that boxing was most of this store's garbage).
   */
  tat: number;
  /** Epoch ms; Infinity for no expiry. */
  expiresAt: number;
}

/** A KeyValueStore in this process's memory. */
export interface MemoryStore extends KeyValueStore {
  /** Entries held in memory, expired ones not yet swept included; for tests and diagnostics. */
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
  // The entries read in the check, written in the update: one Map lookup per rule, not two.
  const found: (Entry | undefined)[] = [];

  // Date.now() for the real clock: no Date object per call on the limiter's hot path.
  const nowMs = clock === systemClock ? Date.now : () => clock.now().getTime();
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

  // A key SET by someone else reads like Redis's GET would: a number string, or garbage as 0.
  const storedTat = (entry: Entry): number => (entry.value === undefined ? entry.tat : Number(entry.value) || 0);

  /** The common case (one rule), without the bookkeeping of several. */
  function gcraOne(rule: GcraRule, cost: number, at: number, now: number, margin: number, out: GcraOutcome): GcraOutcome {
    // An expired entry is reused in place, not deleted and re-added: a busy limiter's keys
    // expire within moments of each use (the bucket is full again), and Map delete + set per
    // decision was most of this store's cost. Expired means "no state", exactly as absent.
    const entry = entries.get(rule.key);
    const stored = entry === undefined || entry.expiresAt <= now ? 0 : storedTat(entry);
    const tat = gcraStep(stored, at, rule.intervalUs, rule.capacityUs, cost, out);
    out.rule = 0;
    if (tat < 0) return out;
    const expiresAt = now + Math.ceil((tat - at) / 1000) + margin;
    if (entry === undefined) {
      entries.set(rule.key, { value: undefined, tat, expiresAt });
      wrote(now);
    } else {
      entry.value = undefined;
      entry.tat = tat;
      entry.expiresAt = expiresAt;
    }
    return out;
  }

  function gcraSync(rules: readonly GcraRule[], cost: number, nowUs: number | undefined, overall: GcraOutcome): GcraOutcome {
    const now = nowMs();
    const at = nowUs ?? now * 1000;
    if (rules.length === 1) return gcraOne(rules[0] as GcraRule, cost, at, now, nowUs === undefined ? 0 : FOREIGN_CLOCK_MARGIN_MS, overall);
    for (let i = 0; i < rules.length; i += 1) {
      const rule = rules[i] as GcraRule;
      const entry = entries.get(rule.key);
      found[i] = entry;
      tats[i] = gcraStep(entry === undefined || entry.expiresAt <= now ? 0 : storedTat(entry), at, rule.intervalUs, rule.capacityUs, cost, step);
      bindingRule(overall, i, step);
    }
    if (!overall.allowed) return overall;
    // Kept as the Lua script keeps it (see gcra-script.ts): until the TAT, plus the margin
    // for a caller-supplied time that may run apart from the store's.
    const margin = nowUs === undefined ? 0 : FOREIGN_CLOCK_MARGIN_MS;
    for (let i = 0; i < rules.length; i += 1) {
      const rule = rules[i] as GcraRule;
      const tat = tats[i] as number;
      const expiresAt = now + Math.ceil((tat - at) / 1000) + margin;
      const existing = found[i];
      found[i] = undefined;
      if (existing === undefined) {
        entries.set(rule.key, { value: undefined, tat, expiresAt });
        wrote(now);
      } else {
        existing.value = undefined;
        existing.tat = tat;
        existing.expiresAt = expiresAt;
      }
    }
    return overall;
  }

  return {
    kind: 'memory',
    async get(key) {
      const entry = live(key, nowMs());
      if (entry === undefined) return null;
      return entry.value ?? String(entry.tat);
    },
    async set(key, value, ttlMs) {
      const now = nowMs();
      entries.set(key, { value, tat: 0, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs });
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
    async gcra(rules, cost, nowUs) {
      return gcraSync(rules, cost, nowUs, { allowed: true, rule: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0 });
    },
    gcraSync,
    size: () => entries.size,
  };
}
