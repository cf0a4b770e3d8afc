// Bug (issue 14): three Redis outages in a row logged two warnings and two "back" lines — the
// outage flag was reset only on a reconnect, and a frozen Redis never drops its connection, so
// one freeze hid the next outage. Now each outage logs one warning when it starts and one line
// when Redis answers again. A redis-server of this suite's own is frozen with SIGSTOP.
import { Redis } from 'ioredis';
import { problemHeaders, toProblem } from 'tenantry/http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

// Redis frozen (SIGSTOP: the connection stays open, nothing answers), stopped (the process
// killed, then started again on the same port) or flushed (FLUSHALL: it answers, with every
// counter gone) while checks keep coming. While it is away, every decision settles with the
// mode's policy (a refusal is a retryable 503 problem); once it answers, Redis decides again
// without a restart of the limiter, and a used-up limit refuses again.
type RedisFault = 'frozen' | 'stopped' | 'flushed';
const FAULTS: readonly RedisFault[] = ['frozen', 'stopped', 'flushed'];
const cases = FAULTS.flatMap((fault) => RATE_LIMIT_ON_UNAVAILABLE.map((mode) => [fault, mode] as const));
// What ordinary and sensitive routes get while Redis is away, per mode.
const POLICY = { open: ['open', 'local'], local: ['local', 'local'], closed: ['RATE_LIMIT_UNAVAILABLE', 'RATE_LIMIT_UNAVAILABLE'] } as const;
const LOAD_WORKERS = 4;

describe.skipIf(!hasRedisServer)(`each RATE_LIMIT_ON_UNAVAILABLE mode with Redis frozen, stopped or flushed${hasRedisServer ? '' : ' (SKIPPED: no redis-server binary)'}`, () => {
  let redis: OwnedProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });
  afterAll(() => redis?.kill());

  it.each(cases)('%s, %s: every decision settles with the stated policy, ordinary and sensitive routes, and Redis decides again afterwards', async (fault, mode) => {
    const rateLimit = serverRateLimit(resolveConfig({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitOnUnavailable: mode }), createLogger({ level: 'silent' }));
    const admin = new Redis(port, '127.0.0.1', { lazyConnect: true });
    try {
      await rateLimit.ready();
      const { limiter } = rateLimit.options;
      const sensitiveLimiter = rateLimit.options.sensitiveLimiter ?? limiter;
      const settle = (decided: Promise<{ source: string }>) => decided.then((d) => d.source, (e: unknown) => {
        // A refusal must be what the edge answers as a retryable 503 problem.
        const problem = toProblem(e);
        expect(problem.status).toBe(503);
        const headers = problemHeaders(problem);
        expect(headers['content-type']).toBe('application/problem+json');
        expect(headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
        return (e as { code?: string }).code ?? 'unknown';
      });
      const check = () => Promise.all([settle(limiter.check(TENANT, rules)), settle(sensitiveLimiter.check(TENANT, rules))]);

      // Load: checks of both route classes from several loops until the fault is over.
      const seen: (readonly [string, string])[] = [];
      let loading = true;
      const load = Promise.all(Array.from({ length: LOAD_WORKERS }, async () => {
        while (loading) {
          seen.push(await check());
          // A refusal can settle at once: give timers and sockets their turn.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }));
      await pollUntilTrue(() => seen.length >= 10);

      if (fault === 'flushed') {
        await admin.connect();
        // Counters to lose (the load keeps writing new ones after the flush).
        expect(await admin.dbsize()).toBeGreaterThan(0);
        expect(await admin.flushall()).toBe('OK');
      } else {
        if (fault === 'frozen') redis.freeze();
        else await redis.kill();
        try {
          const before = seen.length;
          expect(await check()).toEqual(POLICY[mode]);
          // The loops settle too (none waits for Redis to come back).
          await pollUntilTrue(() => seen.length >= before + 2 * LOAD_WORKERS);
        } finally {
          if (fault === 'frozen') redis.thaw();
          else redis = await startRedis(port);
        }
      }
      // Redis decides again: no restart of the limiter, only the next decision.
      await pollUntilTrue(async () => (await check()).every((source) => source === 'store'));
      loading = false;
      await load;
      const expected = POLICY[mode];
      for (const [ordinary, sensitive] of seen) {
        expect(['store', expected[0]]).toContain(ordinary);
        expect(['store', expected[1]]).toContain(sensitive);
      }
      if (fault === 'flushed') expect(new Set(seen.flat())).toEqual(new Set(['store']));

      // And limits hold again: a used-up limit of a fresh subject refuses, from the store.
      const tight = [{ name: 'tight', subject: `${fault}-${mode}`, policy: { limit: 3, periodMs: 60_000, burst: 3 } }];
      const decisions = [];
      for (let i = 0; i < 4; i += 1) decisions.push(await limiter.check(TENANT, tight));
      expect(decisions.map((d) => [d.allowed, d.source])).toEqual([[true, 'store'], [true, 'store'], [true, 'store'], [false, 'store']]);
    } finally {
      admin.disconnect();
      await rateLimit.close();
    }
  });
});

/** Resolves once `condition` holds, checked again every few milliseconds (vitest's test timeout bounds it). */
async function pollUntilTrue(condition: () => boolean | Promise<boolean>): Promise<void> {
  await vi.waitFor(async () => expect(await condition()).toBe(true), { timeout: 120_000, interval: 5 });
}
