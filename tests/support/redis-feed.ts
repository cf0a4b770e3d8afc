// The Redis the change-feed tests share (REDIS_URL): found once per file, with connections that fail fast
// instead of queueing forever. Tests use their own channel or key prefix and never FLUSH.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** REDIS_URL when a Redis answers there, else undefined (after saying why the Redis tests skip). */
export async function reachableRedis(): Promise<string | undefined> {
  const url = process.env.REDIS_URL;
  if (url === undefined || url === '') {
    console.warn('[tenantry tests] no REDIS_URL: the Redis variants skip (the in-process feed runs the same suite)');
    return undefined;
  }
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch {
    console.warn(`[tenantry tests] REDIS_URL does not answer: the Redis variants skip`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** A connection that gives up on commands quickly while disconnected (tests must not hang). */
export function redisConnection(url: string): Redis {
  // A name of its own, so a test can find (and kill) exactly this connection in CLIENT LIST.
  const connectionName = `tenantry-test-${randomBytes(6).toString('hex')}`;
  return new Redis(url, { connectionName, maxRetriesPerRequest: 2, connectTimeout: 2000, retryStrategy: (attempt) => Math.min(attempt * 50, 500) });
}

/** A channel prefix of its own for one test file. */
export const uniquePrefix = (name: string): string => `tenantry-test:${name}:${randomBytes(6).toString('hex')}:`;
