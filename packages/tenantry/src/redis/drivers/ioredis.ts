// The KeyValueStore over an ioredis client (ioredis is an optional peer: only this file names
// it, and only its types). The rate limiter's script is registered with defineCommand, which
// sends EVALSHA and falls back to EVAL once on NOSCRIPT (after a restart or SCRIPT FLUSH).
import type { Redis, RedisOptions } from 'ioredis';
import type { GcraOutcome, GcraRule, KeyValueStore } from '../key-value-store.js';
import { FOREIGN_CLOCK_MARGIN_MS, FRESH_MARK, GCRA_LUA, GCRA_ONE_LUA } from './gcra-script.js';

/**
 * How many keys the fast path remembers as "exists until". Past that the memory is dropped at
 * once (cheap, and a forgotten key only costs one `SET NX` that finds it and falls back).
 */
const HINTS_MAX = 50_000;

/**
 * ioredis options that keep a dead Redis from stalling requests: no offline queue (a command
 * while disconnected fails at once instead of waiting for a reconnect), no retry of commands
 * caught by a disconnect, and a per-command timeout for a Redis that accepts but does not answer.
 * Reconnection itself goes on in the background, so a restarted Redis is used again.
 *
 * @example const client = new Redis(url, { ...RECOMMENDED_IOREDIS_OPTIONS, keyPrefix: undefined });
 */
export const RECOMMENDED_IOREDIS_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 500,
  connectTimeout: 2000,
  // Back off to one attempt a second; never give up (the default also retries forever).
  retryStrategy: (times: number) => Math.min(50 * times, 1000),
} satisfies RedisOptions);

type Reply = Promise<[number, number, number, number, number]>;

interface GcraCommands {
  /** Any number of rules: the key count comes first. */
  tenantryGcra(numberOfKeys: number, ...args: (string | number)[]): Reply;
  /** One rule, the common case, without building an argument array. */
  tenantryGcra1(key: string, now: string | number, cost: number, intervalUs: number, capacityUs: number): Reply;
}

/**
 * Wraps an ioredis client (create it with {@link RECOMMENDED_IOREDIS_OPTIONS}; do not set
 * ioredis's `keyPrefix`, which SCAN patterns do not get). The client stays yours to close.
 *
 * @example
 * const store = ioredisStore(new Redis(config.redisUrl, RECOMMENDED_IOREDIS_OPTIONS));
 */
export function ioredisStore(client: Redis): KeyValueStore {
  client.defineCommand('tenantryGcra', { lua: GCRA_LUA });
  client.defineCommand('tenantryGcra1', { lua: GCRA_ONE_LUA, numberOfKeys: 1 });
  const gcra = client as unknown as GcraCommands;
  const outcome = ([allowed, rule, remaining, resetAfterMs, retryAfterMs]: Awaited<Reply>): GcraOutcome => ({
    allowed: allowed === 1, rule: rule - 1, remaining, resetAfterMs, retryAfterMs,
  });
  // Fast path of single-rule decisions: when a key's bucket is full its key has expired (keys
  // live until their TAT), and one native `SET key NX PX` replaces the script — measured about
  // 1.3× rate-limiter-flexible's script where limits do not bind. So that a key which does exist
  // (a limit that binds) does not pay a refused SET before the script each time, the driver
  // remembers until when each key it touched is known to exist (on this process's monotonic
  // clock). A wrong guess costs time, never exactness: SET NX cannot overwrite, and a missing
  // key read by the script is the same full bucket.
  const hints = new Map<string, number>();
  const remember = (key: string, until: number) => {
    if (hints.size >= HINTS_MAX && !hints.has(key)) hints.clear();
    hints.set(key, until);
  };
  return {
    kind: 'redis',
    async get(key) {
      return client.get(key);
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await client.set(key, value);
      else await client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async unlink(keys) {
      return keys.length === 0 ? 0 : client.unlink(...keys);
    },
    async *scan(pattern, count) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
        cursor = next;
        if (keys.length > 0) yield keys;
      } while (cursor !== '0');
    },
    async gcra(rules: readonly GcraRule[], cost: number, nowUs: number | undefined): Promise<GcraOutcome> {
      const n = rules.length;
      if (n === 1) {
        const rule = rules[0] as GcraRule;
        const key = rule.key;
        const offset = cost * rule.intervalUs;
        const at = performance.now();
        const until = hints.get(key);
        if ((until === undefined || until <= at) && offset <= rule.capacityUs) {
          // Fast path (see `hints`): a key that does not exist is GCRA's full bucket, so the
          // decision is "allowed" and the new TAT is now + offset. One native SET NX writes it;
          // only when the key turns out to exist does the script decide.
          const keepMs = Math.ceil(offset / 1000) + (nowUs === undefined ? 0 : FOREIGN_CLOCK_MARGIN_MS);
          remember(key, at + keepMs);
          const value = nowUs === undefined ? FRESH_MARK + offset : String(nowUs + offset);
          if ((await client.set(key, value, 'PX', keepMs, 'NX')) !== null) {
            return { allowed: true, rule: 0, remaining: Math.floor((rule.capacityUs - offset) / rule.intervalUs), resetAfterMs: Math.ceil(offset / 1000), retryAfterMs: 0 };
          }
        }
        const reply = await gcra.tenantryGcra1(key, nowUs ?? '', cost, rule.intervalUs, rule.capacityUs);
        // The key lives (at least) until its TAT: resetAfterMs from now, plus the script's margin
        // (1 ms on the store's clock, an hour with a clock passed in).
        remember(key, at + reply[3] + (nowUs === undefined ? 1 : FOREIGN_CLOCK_MARGIN_MS));
        return outcome(reply);
      }
      const args: (string | number)[] = new Array<string | number>(n + 2 + 2 * n);
      for (let i = 0; i < n; i += 1) {
        const rule = rules[i] as GcraRule;
        args[i] = rule.key;
        args[n + 2 + 2 * i] = rule.intervalUs;
        args[n + 3 + 2 * i] = rule.capacityUs;
      }
      args[n] = nowUs === undefined ? '' : nowUs;
      args[n + 1] = cost;
      return outcome(await gcra.tenantryGcra(n, ...args));
    },
  };
}
