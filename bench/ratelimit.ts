// bench/ratelimit: decisions per second of Tenantry's GCRA limiter ÷ rate-limiter-flexible's,
// on Redis (RateLimiterRedis, one Lua call per decision) and in process (RateLimiterMemory),
// in the same run on the same Redis with the same ioredis options, 8 concurrent callers over
// 10,000 tenants (one key per tenant on both sides), measured ABBA in interleaved rounds.
// Equivalent configurations: 1,000,000 points per 60 s on both sides, so every decision is an
// allowance that writes its key (neither side short-cuts a refusal).
//   npm run bench -- ratelimit            full: 10,000 tenants, 41 rounds × 0.3 s per pair (ABBA, 75 ms slices)
//   npm run bench -- ratelimit --smoke    CI: 1,000 tenants, 1 round × 0.3 s
// Many short ABBA rounds and their median, rather than a few long ones: on a shared machine a
// burst of someone else's load then spoils a round or two, not the result.
// Also reported, not part of the target: the same with the app's clock passed in
// (`clock`), i.e. without Redis TIME in the script — what the skew-free default costs.
// Without a reachable Redis (REDIS_URL, default redis://127.0.0.1:6379) only the memory pair
// runs and vs_rlf_redis is null.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createRateLimiter, ioredisStore, memoryStore, perMinute, RECOMMENDED_IOREDIS_OPTIONS, type RateRule } from 'tenantry/redis';
import { median, pairedRatio, throughput } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 1000 : 10_000;
const ROUNDS = smoke ? 1 : 41;
const MS = smoke ? 300 : 300;
const CLIENTS = 8;
const POINTS = 1_000_000;
const DURATION_S = 60;

const tenants = Array.from({ length: TENANTS }, () => randomUUID());
// A shared cursor walks the tenants in a scrambled order: both sides see the same key mix.
let cursor = 0;
const STRIDE = 7919; // prime, coprime with the tenant counts used
const pick = () => tenants[(cursor = (cursor + STRIDE) % TENANTS)] as string;

const rules: readonly RateRule[] = [{ name: 'tenant', policy: perMinute(POINTS, POINTS) }];
const rlfAllow = () => undefined; // a refusal would reject: count it like an allowance (none happen)

async function redisClients(): Promise<[Redis, Redis] | undefined> {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const make = () => {
    const client = new Redis(url, { ...RECOMMENDED_IOREDIS_OPTIONS, lazyConnect: true, commandTimeout: 5000 });
    client.on('error', () => {}); // a missing Redis is reported once below, not per attempt
    return client;
  };
  const [a, b] = [make(), make()];
  try {
    await Promise.all([a.connect(), b.connect()]);
    return [a, b];
  } catch {
    a.disconnect();
    b.disconnect();
    console.log(`no Redis at ${new URL(url).host}: the Redis pair is skipped`);
    return undefined;
  }
}

async function measure(name: string, baseline: () => Promise<unknown>, candidate: () => Promise<unknown>): Promise<number> {
  await throughput(CLIENTS, smoke ? 200 : 2000, baseline);
  await throughput(CLIENTS, smoke ? 200 : 2000, candidate);
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const r = await pairedRatio(CLIENTS, MS, baseline, candidate);
    ratios.push(r.ratio);
    console.log(`${name} round ${round + 1}: rate-limiter-flexible ${r.baseline.toFixed(0)} decisions/s, tenantry ${r.candidate.toFixed(0)} decisions/s, ratio ${r.ratio.toFixed(3)}`);
  }
  return Number(median(ratios).toFixed(3));
}

const run = randomBytes(4).toString('hex');
const clients = await redisClients();
const result: { vs_rlf_redis: number | null; vs_rlf_memory: number; app_clock_vs_rlf_redis?: number } = { vs_rlf_redis: null, vs_rlf_memory: 0 };
try {
  // In process first (no Redis needed).
  const memoryLimiter = createRateLimiter({ store: memoryStore(), prefix: `bench-${run}` });
  const rlfMemory = new RateLimiterMemory({ points: POINTS, duration: DURATION_S, keyPrefix: `bench-rlf-${run}` });
  result.vs_rlf_memory = await measure(
    'memory',
    () => rlfMemory.consume(pick()).then(rlfAllow, rlfAllow),
    () => memoryLimiter.check(pick(), rules),
  );

  if (clients) {
    const [ours, theirs] = clients;
    const redisLimiter = createRateLimiter({ store: ioredisStore(ours), prefix: `bench-${run}`, onUnavailable: 'closed' });
    const rlfRedis = new RateLimiterRedis({ storeClient: theirs, points: POINTS, duration: DURATION_S, keyPrefix: `bench-rlf-${run}` });
    result.vs_rlf_redis = await measure(
      'redis',
      () => rlfRedis.consume(pick()).then(rlfAllow, rlfAllow),
      () => redisLimiter.check(pick(), rules),
    );
    const appClockLimiter = createRateLimiter({ store: ioredisStore(ours), prefix: `bench-${run}-app`, onUnavailable: 'closed', clock: { now: () => new Date() } });
    result.app_clock_vs_rlf_redis = await measure(
      'redis, app clock',
      () => rlfRedis.consume(pick()).then(rlfAllow, rlfAllow),
      () => appClockLimiter.check(pick(), rules),
    );
  }
} finally {
  if (clients) {
    // Both sides' keys expire within a minute; remove them now anyway.
    const [client] = clients;
    for (const pattern of [`bench-${run}:*`, `bench-rlf-${run}:*`]) {
      let scan = '0';
      do {
        const [next, keys] = await client.scan(scan, 'MATCH', pattern, 'COUNT', 1000);
        scan = next;
        if (keys.length > 0) await client.unlink(...keys);
      } while (scan !== '0');
    }
    for (const c of clients) c.disconnect();
  }
}
// The two target ratios first, so the last line reads as specified.
console.log(JSON.stringify({ vs_rlf_redis: result.vs_rlf_redis, vs_rlf_memory: result.vs_rlf_memory, ...(result.app_clock_vs_rlf_redis === undefined ? {} : { app_clock_vs_rlf_redis: result.app_clock_vs_rlf_redis }) }));
