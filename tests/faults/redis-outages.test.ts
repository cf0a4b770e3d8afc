// Bug (issue 14): three Redis outages in a row logged two warnings and two "back" lines — the
// outage flag was reset only on a reconnect, and a frozen Redis never drops its connection, so
// one freeze hid the next outage. Now each outage logs one warning when it starts and one line
// when Redis answers again. A redis-server of this suite's own is frozen with SIGSTOP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_ON_UNAVAILABLE } from '../../packages/server/src/config.js';
import { resolveConfig } from '../../packages/server/src/config.js';
import { createLogger } from '../../packages/server/src/logger.js';
import { serverRateLimit, type ServerRateLimit } from '../../packages/server/src/http/rate-limit.js';
import { freePort, hasRedisServer, startRedis, type OwnedProcess } from './support/processes.js';

const TENANT = '1f0e2d3c-0000-4000-8000-000000000003';
const rules = [{ name: 'tenant', policy: { limit: 600, periodMs: 60_000 } }];

describe.skipIf(!hasRedisServer)(`rate limiting through repeated Redis freezes${hasRedisServer ? '' : ' (SKIPPED: no redis-server binary)'}`, () => {
  let redis: OwnedProcess;
  let rateLimit: ServerRateLimit;
  const lines: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) } });
    rateLimit = serverRateLimit(resolveConfig({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitOnUnavailable: 'closed' }), logger);
    await rateLimit.ready();
  });
  afterAll(async () => {
    await rateLimit?.close();
    await redis?.kill();
  });

  it('logs one warning per outage and one line when each ends, whatever the number of refusals', async () => {
    const { limiter } = rateLimit.options;
    for (let outage = 0; outage < 3; outage += 1) {
      redis.freeze();
      for (let i = 0; i < 3; i += 1) {
        await expect(limiter.check(TENANT, rules)).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE' });
      }
      redis.thaw();
      // The first answer after the thaw ends the outage (a timed-out command's late reply is dropped).
      let answered = false;
      while (!answered) answered = await limiter.check(TENANT, rules).then(() => true, () => false);
    }
    const said = (text: string) => lines.filter((l) => l.msg.includes(text));
    expect(said('applying the unavailability policy')).toHaveLength(3);
    expect(said('Redis is reachable again')).toHaveLength(3);
    expect(limiter.stats().failedClosed).toBeGreaterThanOrEqual(9);
  });
});

describe.skipIf(!hasRedisServer)(`each RATE_LIMIT_ON_UNAVAILABLE mode with Redis frozen${hasRedisServer ? '' : ' (SKIPPED: no redis-server binary)'}`, () => {
  let redis: OwnedProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });
  afterAll(() => redis?.kill());

  it.each(RATE_LIMIT_ON_UNAVAILABLE)('%s: every decision settles with the stated policy, ordinary and sensitive routes, and Redis decides again after the thaw', async (mode) => {
    const rateLimit = serverRateLimit(resolveConfig({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitOnUnavailable: mode }), createLogger({ level: 'silent' }));
    try {
      await rateLimit.ready();
      const { limiter, sensitiveLimiter } = rateLimit.options;
      redis.freeze();
      try {
        const ordinary = await limiter.check(TENANT, rules).then((d) => d.source, (e: { code?: string }) => e.code);
        const sensitive = await (sensitiveLimiter ?? limiter).check(TENANT, rules).then((d) => d.source, (e: { code?: string }) => e.code);
        const expected = { open: ['open', 'local'], local: ['local', 'local'], closed: ['RATE_LIMIT_UNAVAILABLE', 'RATE_LIMIT_UNAVAILABLE'] }[mode];
        expect([ordinary, sensitive]).toEqual(expected);
      } finally {
        redis.thaw();
      }
      let source: string | undefined;
      while (source !== 'store') source = await limiter.check(TENANT, rules).then((d) => d.source, () => undefined);
    } finally {
      await rateLimit.close();
    }
  });
});
