// The change feed the server's caches follow: Redis pub/sub when REDIS_URL is set (several
// instances), the in-process feed otherwise (one instance). Its connections are the server's.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { memoryChangeFeed, redisChangeFeed, type ChangeFeed } from 'tenantry/redis';
import type { ServerConfig } from './config.js';

export interface ServerChangeFeed {
  readonly feed: ChangeFeed;
  readonly kind: 'redis' | 'memory';
  /**
   * What the caches report: a change whose publish failed even after its retries (the other
   * instances drop it at their cache's max age instead), or a subscription that failed.
   */
  readonly onCacheError: (err: unknown) => void;
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
  const onCacheError = (err: unknown) => logger.warn({ err }, 'change feed: a change was not published; other instances drop it within their cache max age');
  if (config.redisUrl === undefined) return { feed: memoryChangeFeed({ onError }), kind: 'memory', onCacheError, close: async () => {} };
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2000);
  // commandTimeout: a frozen Redis keeps the socket open and never answers; the caches give up
  // waiting sooner (publishTimeoutMs) and retry, this ends the command itself.
  const publisher = new Redis(config.redisUrl, { connectionName: 'tenantry-feed-pub', enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, retryStrategy });
  // The subscription waits for Redis however long it takes (no retry limit): meanwhile the
  // caches read through, and they go live once it is established.
  const subscriber = new Redis(config.redisUrl, { connectionName: 'tenantry-feed-sub', maxRetriesPerRequest: null, retryStrategy });
  // ioredis emits 'error' on every failed reconnect; unhandled, it would crash the process.
  for (const connection of [publisher, subscriber]) connection.on('error', (err: Error) => logger.debug({ err }, 'redis connection'));
  return {
    feed: redisChangeFeed({ publisher, subscriber, onError }),
    kind: 'redis',
    onCacheError,
    async close() {
      // QUIT is queued like any command: on a connection that is not up it would wait out
      // the retries, so those are simply dropped.
      await Promise.allSettled([publisher, subscriber].map((c) => (c.status === 'ready' ? c.quit() : Promise.resolve(c.disconnect()))));
    },
  };
}
