// The change feed the server's caches follow: Redis pub/sub when REDIS_URL is set (several
// instances), the in-process feed otherwise (one instance). Its connections are the server's.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { memoryChangeFeed, redisChangeFeed, type ChangeFeed } from 'tenantry/redis';
import type { ServerConfig } from './config.js';

export interface ServerChangeFeed {
  readonly feed: ChangeFeed;
  readonly kind: 'redis' | 'memory';
  close(): Promise<void>;
}

/**
 * The publisher refuses commands while disconnected (no offline queue): a write must not wait
 * for Redis to come back; its publish fails, is logged, and the subscriber side — which lost its
 * link too — reads through to the database until it is back.
 *
 * @example const { feed, close } = openChangeFeed(config, logger);
 */
export function openChangeFeed(config: ServerConfig, logger: Logger): ServerChangeFeed {
  const onError = (err: unknown) => logger.warn({ err }, 'change feed');
  if (config.redisUrl === undefined) return { feed: memoryChangeFeed({ onError }), kind: 'memory', close: async () => {} };
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2000);
  const publisher = new Redis(config.redisUrl, { connectionName: 'tenantry-feed-pub', enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
  // The subscription waits for Redis however long it takes (no retry limit): meanwhile the
  // caches read through, and they go live once it is established.
  const subscriber = new Redis(config.redisUrl, { connectionName: 'tenantry-feed-sub', maxRetriesPerRequest: null, retryStrategy });
  // ioredis emits 'error' on every failed reconnect; unhandled, it would crash the process.
  for (const connection of [publisher, subscriber]) connection.on('error', (err: Error) => logger.debug({ err }, 'redis connection'));
  return {
    feed: redisChangeFeed({ publisher, subscriber, onError }),
    kind: 'redis',
    async close() {
      // QUIT is queued like any command: on a connection that is not up it would wait out
      // the retries, so those are simply dropped.
      await Promise.allSettled([publisher, subscriber].map((c) => (c.status === 'ready' ? c.quit() : Promise.resolve(c.disconnect()))));
    },
  };
}
