// The KeyValueStore over an ioredis client (ioredis is an optional peer: only this file names
// it, and only its types). The rate limiter's script is registered with defineCommand, which
// sends EVALSHA and falls back to EVAL once on NOSCRIPT (after a restart or SCRIPT FLUSH).
import type { Redis, RedisOptions } from 'ioredis';
import type { GcraOutcome, GcraRule, KeyValueStore } from '../key-value-store.js';
import { GCRA_LUA, GCRA_ONE_LUA } from './gcra-script.js';

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
        return outcome(await gcra.tenantryGcra1(rule.key, nowUs ?? '', cost, rule.intervalUs, rule.capacityUs));
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
