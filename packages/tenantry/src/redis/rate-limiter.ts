// Tenant-aware rate limiting with GCRA (docs/rate-limiting.md says why GCRA): one key per
// limited subject, one atomic store call per decision covering every rule (tenant, tenant +
// API key, route …), and a stated policy for when the store cannot be reached.
import { coreErrors, systemClock, type Clock } from '../core/index.js';
import { memoryStore } from './drivers/memory.js';
import { redisErrors } from './errors.js';
import { checkKeyPrefix, DEFAULT_KEY_PREFIX, escapeKeyPart, tenantKeyPrefix } from './key-scope.js';
import type { GcraOutcome, GcraRule, KeyValueStore } from './key-value-store.js';
import { gcraParams, type GcraParams, type RatePolicy } from './rate-policy.js';

// Policies are usually a handful of long-lived objects: their GCRA numbers are computed (and
// validated) once. Shared by all limiters: the numbers depend on the policy alone.
const policyParams = new WeakMap<RatePolicy, GcraParams>();

/**
 * What happens when the store fails (unreachable, timed out): `open` allows, `closed` throws
 * RATE_LIMIT_UNAVAILABLE, `local` decides with an in-process limiter of the same rules (each
 * app server then limits on its own: looser by the number of servers, never unlimited).
 */
export type OnUnavailable = 'open' | 'closed' | 'local';

/** One rule of a check: `name` (e.g. 'tenant', 'api-key', 'route') and an optional subject within the tenant. */
export interface RateRule {
  readonly name: string;
  /** e.g. the API key id or route; escaped like every key part, so it may be user-supplied. */
  readonly subject?: string;
  readonly policy: RatePolicy;
}

/** Where a decision came from: the store, or the unavailability policy. */
export type DecisionSource = 'store' | 'open' | 'local';

/** The outcome of a check, for the binding rule (the one that denied, or the one with least left). */
export interface RateDecision {
  readonly allowed: boolean;
  /** The binding rule's burst: how many requests fit at once when nothing was used. */
  readonly limit: number;
  readonly remaining: number;
  /** Until the binding rule is back to its full burst. */
  readonly resetAfterMs: number;
  /** 0 when allowed; otherwise how long until the same request would be allowed. */
  readonly retryAfterMs: number;
  readonly rule: string;
  readonly source: DecisionSource;
}

export interface RateLimiterOptions {
  readonly store: KeyValueStore;
  /** Key space (see keysFor). Default 'tenantry'. Keys: `<prefix>:{<tenant>}:rl:<rule>[:<subject>]`. */
  readonly prefix?: string;
  /** Default 'local' (docs/isolation-rules.md rule 20: never unlimited for ordinary routes). */
  readonly onUnavailable?: OnUnavailable;
  /** Called on every store failure, with the policy applied; count here (log once per outage: see onStoreRecovered). */
  readonly onStoreError?: (error: unknown, applied: OnUnavailable) => void;
  /**
   * Called once at the first decision the store answers after one or more failures: the
   * outage is over. With onStoreError, one warning per outage and one line when it ends — a
   * frozen store never drops its connection, so a reconnect cannot tell.
   */
  readonly onStoreRecovered?: () => void;
  /**
   * The time of decisions. Default: the store's own (Redis TIME), one clock for every app
   * server. Pass one in for tests or when all callers share a clock.
   */
  readonly clock?: Clock;
}

/** Counters since the limiter was made (also a cheap health signal). */
export interface RateLimiterStats {
  decisions: number;
  denied: number;
  storeErrors: number;
  failedOpen: number;
  failedClosed: number;
  localFallbacks: number;
}

export interface RateLimiter {
  /**
   * Decides for `tenantId` over all `rules` at once: allowed only if every rule allows `cost`,
   * and then recorded in every rule; a denial records nothing.
   */
  check(tenantId: string, rules: readonly RateRule[], cost?: number): Promise<RateDecision>;
  /** Like check, but throws RATE_LIMITED (details: limit, retryAfterSeconds) when denied. */
  enforce(tenantId: string, rules: readonly RateRule[], cost?: number): Promise<RateDecision>;
  stats(): Readonly<RateLimiterStats>;
}

const NAMESPACE = 'rl';

type MutableRule = { -readonly [K in keyof GcraRule]: GcraRule[K] };

const argumentInvalid = (path: string, reason: string) =>
  coreErrors.create('CONFIG_INVALID', { message: `The rate limit check's ${path} ${reason}.`, details: { path, reason } });

/**
 * @example
 * const limiter = createRateLimiter({ store: ioredisStore(client), onUnavailable: 'local' });
 * const d = await limiter.check(tenantId, [
 *   { name: 'tenant', policy: perMinute(600, 100) },
 *   { name: 'api-key', subject: keyId, policy: perMinute(120, 20) },
 * ]);
 * if (!d.allowed) reply.code(429).header('retry-after', Math.ceil(d.retryAfterMs / 1000));
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, clock, onStoreError, onStoreRecovered } = options;
  let failing = false;
  const prefix = checkKeyPrefix(options.prefix ?? DEFAULT_KEY_PREFIX);
  const onUnavailable = options.onUnavailable ?? 'local';
  const stats: RateLimiterStats = { decisions: 0, denied: 0, storeErrors: 0, failedOpen: 0, failedClosed: 0, localFallbacks: 0 };
  let local: KeyValueStore | undefined;

  // Rule names are few and fixed: their escaped key segments are computed once (bounded, so a
  // flood of distinct names cannot grow memory without limit).
  const segments = new Map<string, string>();
  const segment = (name: string): string => {
    let s = segments.get(name);
    if (s === undefined) {
      s = `${NAMESPACE}:${escapeKeyPart(name)}`;
      if (segments.size < 1000) segments.set(name, s);
    }
    return s;
  };
  // Tenant prefixes are not cached: escaping a UUID is one regex test, cheaper than a lookup
  // in a map of every active tenant (measured: the lookup's cache misses cost more).
  const paramsOf = (policy: RatePolicy): GcraParams => {
    let params = policyParams.get(policy);
    if (params === undefined) {
      params = gcraParams(policy);
      policyParams.set(policy, params);
    }
    return params;
  };

  const decision = (outcome: GcraOutcome, rules: readonly RateRule[], bursts: readonly number[], source: DecisionSource): RateDecision => ({
    allowed: outcome.allowed,
    limit: bursts[outcome.rule] ?? 0,
    remaining: outcome.remaining > 0 ? outcome.remaining : 0,
    resetAfterMs: outcome.resetAfterMs,
    retryAfterMs: outcome.retryAfterMs,
    rule: rules[outcome.rule]?.name ?? '',
    source,
  });

  const sync = store.gcraSync?.bind(store);
  // The synchronous path finishes before anything else runs, so it can reuse one outcome.
  const scratchRules: GcraRule[] = [];
  const scratchBursts: number[] = [];
  const scratch: GcraOutcome = { allowed: true, rule: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0 };

  function unavailable(error: unknown, rules: readonly RateRule[], gcraRules: readonly GcraRule[], bursts: readonly number[], cost: number, nowUs: number | undefined): RateDecision {
    stats.storeErrors += 1;
    failing = true;
    onStoreError?.(error, onUnavailable);
    if (onUnavailable === 'closed') {
      stats.failedClosed += 1;
      throw redisErrors.create('RATE_LIMIT_UNAVAILABLE', { cause: error });
    }
    if (onUnavailable === 'open') {
      stats.failedOpen += 1;
      const burst = bursts[0] ?? 0;
      return { allowed: true, limit: burst, remaining: burst, resetAfterMs: 0, retryAfterMs: 0, rule: rules[0]?.name ?? '', source: 'open' };
    }
    stats.localFallbacks += 1;
    local ??= memoryStore({ clock: clock ?? systemClock });
    const outcome = local.gcraSync?.(gcraRules, cost, nowUs, { allowed: true, rule: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0 });
    return decision(outcome as GcraOutcome, rules, bursts, 'local');
  }

  async function check(tenantId: string, rules: readonly RateRule[], cost = 1): Promise<RateDecision> {
    if (!Number.isSafeInteger(cost) || cost < 1) throw argumentInvalid('cost', 'must be a positive integer');
    const n = rules.length;
    if (n === 0) throw argumentInvalid('rules', 'must hold at least one rule');
    const base = tenantKeyPrefix(prefix, tenantId);
    // The synchronous path reuses its arrays and rule objects (nothing else runs meanwhile);
    // the asynchronous one gives the store its own.
    const reuse = sync !== undefined;
    const gcraRules = reuse ? scratchRules : new Array<GcraRule>(n);
    const bursts = reuse ? scratchBursts : new Array<number>(n);
    // Resizing an array costs even when the size is unchanged (measured), so only when it changes.
    if (gcraRules.length !== n) gcraRules.length = n;
    if (bursts.length !== n) bursts.length = n;
    for (let i = 0; i < n; i += 1) {
      const rule = rules[i] as RateRule;
      const params = paramsOf(rule.policy);
      const key = rule.subject === undefined ? base + segment(rule.name) : `${base}${segment(rule.name)}:${escapeKeyPart(rule.subject)}`;
      if (reuse) {
        const slot = (gcraRules[i] ??= { key: '', intervalUs: 0, capacityUs: 0 }) as MutableRule;
        slot.key = key;
        slot.intervalUs = params.intervalUs;
        slot.capacityUs = params.capacityUs;
      } else {
        gcraRules[i] = { key, intervalUs: params.intervalUs, capacityUs: params.capacityUs };
      }
      bursts[i] = params.burst;
    }
    const nowUs = clock === undefined ? undefined : clock.now().getTime() * 1000;
    stats.decisions += 1;
    let outcome: GcraOutcome;
    try {
      if (sync !== undefined) {
        scratch.allowed = true;
        outcome = sync(gcraRules, cost, nowUs, scratch);
      } else {
        outcome = await store.gcra(gcraRules, cost, nowUs);
      }
    } catch (error) {
      return unavailable(error, rules, gcraRules, bursts, cost, nowUs);
    }
    if (failing) {
      failing = false;
      onStoreRecovered?.();
    }
    if (!outcome.allowed) stats.denied += 1;
    return decision(outcome, rules, bursts, 'store');
  }

  return {
    check,
    async enforce(tenantId, rules, cost) {
      const d = await check(tenantId, rules, cost);
      if (!d.allowed) {
        throw redisErrors.create('RATE_LIMITED', {
          details: { limit: d.limit, rule: d.rule, retryAfterSeconds: Math.max(1, Math.ceil(d.retryAfterMs / 1000)) },
        });
      }
      return d;
    },
    stats: () => ({ ...stats }),
  };
}
