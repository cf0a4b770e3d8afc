// Bug (issue 14): with Redis frozen, settings, flags and branding writes stalled as long as it
// was frozen: the change-feed publish was awaited inside the request with no timeout, and a
// failed publish was never reported. Now a write waits for the publish at most publishTimeoutMs,
// the publish is retried in the background and reported when it finally fails, and once Redis
// answers again the next change reaches the other instances. A redis-server of this test's own
// (on a free port) is frozen with SIGSTOP; the shared one is never touched.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isTenantryError, parseTenantId } from '../core/index.js';
import { redisChangeFeed } from '../redis/index.js';
import { freePort, hasRedisServer, startRedis, type OwnedProcess } from '../testing/index.js';
import { createTenantCache, type TenantCache } from './tenant-cache.js';

const TENANT = parseTenantId('1f0e2d3c-0000-4000-8000-000000000002');
// Far above a publish's timeout and retries here; the old code never resolved at all.
const DEADLINE_MS = 15_000;

/** `promise`, or a rejection naming `what` when it has not settled by the deadline. */
function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves once `condition` holds; `withinDeadline` (or the test's timeout) bounds the wait. */
function until(condition: () => boolean): Promise<void> {
  return vi.waitFor(() => expect(condition()).toBe(true), { timeout: 60_000, interval: 1 });
}

describe.skipIf(!hasRedisServer)(`a tenant cache whose change feed is frozen${hasRedisServer ? '' : ' (SKIPPED: no redis-server binary)'}`, () => {
  let server: OwnedProcess;
  const connections: Redis[] = [];
  let writer: TenantCache<string>;
  let reader: TenantCache<string>;
  const reported: unknown[] = [];
  let reportedOnce!: () => void;
  const firstReport = new Promise<void>((resolve) => { reportedOnce = resolve; });

  beforeAll(async () => {
    const port = await freePort();
    server = await startRedis(port);
    const connect = (role: 'publisher' | 'subscriber') => {
      // No command timeout: the cache itself must bound the wait. The publisher refuses commands
      // while disconnected, as the server's does; the subscriber waits for its connection.
      const c = new Redis({ port, host: '127.0.0.1', ...(role === 'publisher' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : {}) });
      c.on('error', () => {});
      connections.push(c);
      return c;
    };
    const feed = () => redisChangeFeed({ publisher: connect('publisher'), subscriber: connect('subscriber') });
    // Two instances, each with its own feed connections.
    writer = createTenantCache<string>({
      feed: feed(), topic: 'settings', publishTimeoutMs: 100,
      onError: (err) => { reported.push(err); reportedOnce(); },
    });
    reader = createTenantCache<string>({ feed: feed(), topic: 'settings' });
    await Promise.all([writer.ready(), reader.ready(), ...connections.map((c) => (c.status === 'ready' ? undefined : once(c, 'ready')))]);
  });
  afterAll(async () => {
    await Promise.all([writer?.close(), reader?.close()]);
    for (const c of connections) c.disconnect();
    await server?.kill();
  });

  it('lets a write go on, retries the publish and reports it when it keeps failing', async () => {
    server.freeze();
    await withinDeadline(writer.changed(TENANT), 'changed() with Redis frozen');
    await withinDeadline(firstReport, 'the failed-publish report');
    expect(reported).toHaveLength(1);
    expect(isTenantryError(reported[0], 'REDIS_UNAVAILABLE')).toBe(true);
  });

  it('tells the other instances of the next change once Redis answers again', async () => {
    server.thaw();
    expect(await reader.get(TENANT, async () => 'cached')).toBe('cached');
    await until(() => reader.peek(TENANT) === 'cached');
    await withinDeadline(writer.changed(TENANT), 'changed() with Redis back');
    await withinDeadline(until(() => reader.peek(TENANT) === undefined), 'the invalidation on the other instance');
  });
});
