// bench/ratelimit: decisions per second of Tenantry's GCRA limiter ÷ rate-limiter-flexible's,
// on Redis (RateLimiterRedis, one Lua call per decision) and in process (RateLimiterMemory),
// in the same run on the same Redis with the same ioredis options, 8 concurrent callers, one key
// per subject on both sides, measured ABBA in interleaved rounds. Two workloads:
//   unbound       limits never bind: 1,000,000 points per 60 s over 10,000 tenants, every
//                 decision an allowance (for Tenantry: the fast path, one SET NX).
//   half_refused  half the requests are refused: each subject gets 10 requests in a row against
//                 5 per 60 s (burst 5), so 5 are allowed and 5 refused, on fresh subjects for
//                 each side; the refusal share is counted and printed for both.
// Keys: vs_rlf_<redis|memory>_<workload>, and vs_rlf_redis / vs_rlf_memory = the lower of the
// two workloads (the target, ≥ 1.0, holds on both).
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
import { createRateLimiter, ioredisStore, memoryStore, perMinute, RECOMMENDED_IOREDIS_OPTIONS, type RateLimiter, type RateRule } from 'tenantry/redis';
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

const unboundRules: readonly RateRule[] = [{ name: 'tenant', policy: perMinute(POINTS, POINTS) }];
const HALF_BURST = 5;
const halfRules: readonly RateRule[] = [{ name: 'tenant', policy: perMinute(HALF_BURST, HALF_BURST) }];

/** Subjects for the half-refused workload: 2 × burst requests each, then the next (never reused). */
function halfSubjects(label: string) {
  let n = 0;
  const base = randomUUID().slice(0, 24);
  const counts = { allowed: 0, refused: 0 };
  return {
    counts,
    next: () => `${base}${label}${Math.floor((n += 1) / (2 * HALF_BURST)).toString(16).padStart(12, '0')}`.slice(-36),
  };
}

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

interface Consumer { consume(key: string): Promise<unknown> }

/** The four measurements of one backend: unbound, then half refused (with the refusal share of each side). */
async function both(name: string, rlf: (points: number, duration: number) => Consumer, limiter: RateLimiter): Promise<[number, number]> {
  const unboundRlf = rlf(POINTS, DURATION_S);
  const allow = () => undefined; // a refusal rejects: counted like an allowance (none happen here)
  const unbound = await measure(`${name} unbound`, () => unboundRlf.consume(pick()).then(allow, allow), () => limiter.check(pick(), unboundRules));
  const halfRlf = rlf(HALF_BURST, DURATION_S);
  const theirs = halfSubjects('a');
  const ours = halfSubjects('b');
  const half = await measure(
    `${name} half refused`,
    () => halfRlf.consume(theirs.next()).then(() => { theirs.counts.allowed += 1; }, () => { theirs.counts.refused += 1; }),
    () => limiter.check(ours.next(), halfRules).then((d) => { ours.counts[d.allowed ? 'allowed' : 'refused'] += 1; }),
  );
  const share = (c: { allowed: number; refused: number }) => (c.refused / (c.allowed + c.refused)).toFixed(3);
  console.log(`${name} half refused: refused share rate-limiter-flexible ${share(theirs.counts)}, tenantry ${share(ours.counts)}`);
  return [unbound, half];
}

const run = randomBytes(4).toString('hex');
const clients = await redisClients();
const result: Record<string, number | null> = {};
try {
  // In process first (no Redis needed).
  const [memoryUnbound, memoryHalf] = await both(
    'memory',
    (points, duration) => new RateLimiterMemory({ points, duration, keyPrefix: `bench-rlf-${run}-${points}` }),
    createRateLimiter({ store: memoryStore(), prefix: `bench-${run}` }),
  );
  result.vs_rlf_memory_unbound = memoryUnbound;
  result.vs_rlf_memory_half_refused = memoryHalf;

  if (clients) {
    const [ours, theirs] = clients;
    const [redisUnbound, redisHalf] = await both(
      'redis',
      (points, duration) => new RateLimiterRedis({ storeClient: theirs, points, duration, keyPrefix: `bench-rlf-${run}-${points}` }),
      createRateLimiter({ store: ioredisStore(ours), prefix: `bench-${run}`, onUnavailable: 'closed' }),
    );
    result.vs_rlf_redis_unbound = redisUnbound;
    result.vs_rlf_redis_half_refused = redisHalf;
    const rlfRedis = new RateLimiterRedis({ storeClient: theirs, points: POINTS, duration: DURATION_S, keyPrefix: `bench-rlf-${run}` });
    const appClockLimiter = createRateLimiter({ store: ioredisStore(ours), prefix: `bench-${run}-app`, onUnavailable: 'closed', clock: { now: () => new Date() } });
    const allow = () => undefined;
    result.app_clock_vs_rlf_redis = await measure(
      'redis unbound, app clock',
      () => rlfRedis.consume(pick()).then(allow, allow),
      () => appClockLimiter.check(pick(), unboundRules),
    );
  }
} finally {
  if (clients) {
    // Both sides' keys expire within a minute; remove them now anyway.
    const [client] = clients;
    for (const pattern of [`bench-${run}*`, `bench-rlf-${run}*`]) {
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
const low = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : Math.min(a, b));
// The two target ratios first, so the last line reads as specified.
console.log(JSON.stringify({
  vs_rlf_redis: low(result.vs_rlf_redis_unbound, result.vs_rlf_redis_half_refused),
  vs_rlf_memory: low(result.vs_rlf_memory_unbound, result.vs_rlf_memory_half_refused),
  ...result,
}));
