// Redis for tests: the URL global-setup found answering (or none), a client per test file
// with the recommended options, unique key and channel prefixes whose keys are removed afterwards
// (never FLUSHALL: other suites share this Redis), and fail-fast named connections.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RECOMMENDED_IOREDIS_OPTIONS } from 'tenantry/redis';
import { inject } from 'vitest';

/** '' when no Redis answers; describe.skipIf(!redisUrl) then says so in the test names. */
export const redisUrl = inject('redisUrl');
export const redisSkipReason = redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)';

/** A key prefix unique to this run, valid for keysFor (letters, digits, `_ . -`). */
export function uniquePrefix(label: string): string {
  return `test-${label}-${randomBytes(5).toString('hex')}`;
}

export function testRedis(): Redis {
  return new Redis(redisUrl, { ...RECOMMENDED_IOREDIS_OPTIONS, enableOfflineQueue: true, commandTimeout: 5000 });
}

/** Deletes every key starting with `prefix` (SCAN + UNLINK), then quits the client. */
export async function cleanUp(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
  await client.quit();
}

/** A connection that gives up on commands quickly while disconnected (tests must not hang). */
export function redisConnection(url: string): Redis {
  // A name of its own, so a test can find (and kill) exactly this connection in CLIENT LIST.
  const connectionName = `tenantry-test-${randomBytes(6).toString('hex')}`;
  return new Redis(url, { connectionName, maxRetriesPerRequest: 2, connectTimeout: 2000, retryStrategy: (attempt) => Math.min(attempt * 50, 500) });
}

/** A change-feed channel prefix of its own for one test. */
export const uniqueChannelPrefix = (name: string): string => `tenantry-test:${name}:${randomBytes(6).toString('hex')}:`;

