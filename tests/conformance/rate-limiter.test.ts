// One suite for the rate limiter, run against the in-process store and against Redis: exact
// allow/deny sequences under a controlled clock (memory: the store's clock; Redis: the time
// passed into the script), identical decisions on both for random workloads, and Redis's own
// TIME with assertions that tolerate the real time passing.
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from 'tenantry';
import {
  createRateLimiter, ioredisStore, memoryStore, perMinute,
  type KeyValueStore, type RateDecision, type RateLimiter, type RateRule,
} from 'tenantry/redis';
import { cleanUp, redisSkipReason, redisUrl, testRedis, uniquePrefix } from '../support/redis.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const TENANT_A = '0b6c3c1e-5d55-4a4e-9d2a-7d1f7e0a0001';
const TENANT_B = '0b6c3c1e-5d55-4a4e-9d2a-7d1f7e0a0002';

class FakeClock implements Clock {
  constructor(public ms = T0) {}
  now() { return new Date(this.ms); }
  advance(ms: number) { this.ms += ms; }
}

interface Backend {
  readonly name: string;
  readonly skip: boolean;
  /** A limiter on a fresh key space whose time is `clock`. */
  limiter(clock: FakeClock, options?: { prefix?: string }): RateLimiter;
}

const prefix = uniquePrefix('rl');
let client: Redis | undefined;
let spaces = 0;
const space = () => `${prefix}-${(spaces += 1)}`;

const backends: Backend[] = [
  // The memory store keeps its own time: the limiter takes it from there, like Redis's TIME.
  { name: 'memory', skip: false, limiter: (clock, o) => createRateLimiter({ store: memoryStore({ clock }), prefix: o?.prefix ?? space() }) },
  {
    name: `redis${redisSkipReason}`,
    skip: !redisUrl,
    limiter: (clock, o) => createRateLimiter({ store: ioredisStore(client as Redis), clock, prefix: o?.prefix ?? space(), onUnavailable: 'closed' }),
  },
];

beforeAll(() => {
  if (redisUrl) client = testRedis();
});
afterAll(async () => {
  if (client) await cleanUp(client, prefix);
});

const summary = (d: RateDecision) => [d.allowed, d.remaining, d.resetAfterMs, d.retryAfterMs];
const tenantRule = (limit: number, burst: number): RateRule => ({ name: 'tenant', policy: perMinute(limit, burst) });

describe.each(backends)('rate limiter on $name', (backend) => {
  describe.skipIf(backend.skip)('exact decisions under a controlled clock', () => {
    it('allows the burst at once, then one request per interval', async () => {
      const clock = new FakeClock();
      const limiter = backend.limiter(clock);
      const rules = [tenantRule(60, 3)]; // one per second, three at once
      const seq: unknown[] = [];
      for (let i = 0; i < 4; i += 1) seq.push(summary(await limiter.check(TENANT_A, rules)));
      expect(seq).toEqual([
        [true, 2, 1000, 0],
        [true, 1, 2000, 0],
        [true, 0, 3000, 0],
        [false, 0, 3000, 1000],
      ]);
      clock.advance(999);
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([false, 0, 2001, 1]);
      clock.advance(1);
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([true, 0, 3000, 0]);
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([false, 0, 3000, 1000]);
      clock.advance(60_000);
      const refilled = await limiter.check(TENANT_A, rules);
      expect(summary(refilled)).toEqual([true, 2, 1000, 0]);
      expect(refilled).toMatchObject({ limit: 3, rule: 'tenant', source: 'store' });
    });

    it('keeps exact time for intervals that are not whole milliseconds (7 per minute)', async () => {
      const clock = new FakeClock();
      const limiter = backend.limiter(clock);
      const rules = [tenantRule(7, 1)]; // 8571.429 ms per request
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([true, 0, 8572, 0]);
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([false, 0, 8572, 8572]);
      clock.advance(8571);
      expect(summary(await limiter.check(TENANT_A, rules))).toEqual([false, 0, 1, 1]);
      clock.advance(1);
      expect((await limiter.check(TENANT_A, rules)).allowed).toBe(true);
      // Polled every second with no burst to bank time, each grant waits ceil(8.571) = 9 s:
      // 66 grants in the next 600 s (GCRA without burst gives no credit for idle time).
      let allowed = 1;
      for (let s = 0; s < 600; s += 1) {
        clock.advance(1000);
        if ((await limiter.check(TENANT_A, rules)).allowed) allowed += 1;
      }
      expect(allowed).toBe(1 + 66);
    });

    it('charges a cost of several units, and refuses it while fewer remain', async () => {
      const clock = new FakeClock();
      const limiter = backend.limiter(clock);
      const rules = [tenantRule(60, 3)];
      expect(summary(await limiter.check(TENANT_A, rules, 2))).toEqual([true, 1, 2000, 0]);
      expect(summary(await limiter.check(TENANT_A, rules, 2))).toEqual([false, 1, 2000, 1000]);
      expect(summary(await limiter.check(TENANT_A, rules, 1))).toEqual([true, 0, 3000, 0]);
    });

    it('allows only when every rule allows, and a denial consumes nothing from the others', async () => {
      const clock = new FakeClock();
      const limiter = backend.limiter(clock);
      const rules = (key: string): RateRule[] => [tenantRule(60, 5), { name: 'api-key', subject: key, policy: perMinute(60, 2) }];
      const run = async (key: string) => {
        const d = await limiter.check(TENANT_A, rules(key));
        return [d.allowed, d.rule, d.remaining, d.limit];
      };
      expect(await run('k1')).toEqual([true, 'api-key', 1, 2]);
      expect(await run('k1')).toEqual([true, 'api-key', 0, 2]);
      expect(await run('k1')).toEqual([false, 'api-key', 0, 2]);
      expect(await run('k1')).toEqual([false, 'api-key', 0, 2]);
      // The two denials above left the tenant's budget at 3.
      expect(await run('k2')).toEqual([true, 'api-key', 1, 2]);
      expect(await run('k2')).toEqual([true, 'api-key', 0, 2]); // the tenant still has 1
      expect(await run('k3')).toEqual([true, 'tenant', 0, 5]);
      expect(await run('k3')).toEqual([false, 'tenant', 0, 5]);
    });

    it("never lets one tenant's or subject's use count against another's", async () => {
      const clock = new FakeClock();
      const limiter = backend.limiter(clock);
      const rule = (subject: string): RateRule[] => [{ name: 'route', subject, policy: perMinute(1, 1) }];
      // Subjects that would collide under naive "a:b" joining or glob-like handling.
      const subjects = ['a:b', 'a', 'a:b:', '*', '{x}', '', 'a\nb', 'a\\b'];
      for (const subject of subjects) expect((await limiter.check(TENANT_A, rule(subject))).allowed).toBe(true);
      for (const subject of subjects) expect((await limiter.check(TENANT_A, rule(subject))).allowed).toBe(false);
      for (const subject of subjects) expect((await limiter.check(TENANT_B, rule(subject))).allowed).toBe(true);
      expect((await limiter.enforce(TENANT_B, [tenantRule(1, 1)])).allowed).toBe(true);
      await expect(limiter.enforce(TENANT_B, [tenantRule(1, 1)])).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        kind: 'limited',
        details: { limit: 1, rule: 'tenant', retryAfterSeconds: 60 },
      });
    });

    it('rejects a cost that is not a positive integer and a check without rules', async () => {
      const limiter = backend.limiter(new FakeClock());
      await expect(limiter.check(TENANT_A, [tenantRule(1, 1)], 0)).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'cost' } });
      await expect(limiter.check(TENANT_A, [])).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'rules' } });
      await expect(limiter.check(TENANT_A, [{ name: 'x', policy: { limit: 0, periodMs: 1000 } }])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });
});

describe.skipIf(!redisUrl)(`Redis and memory reach identical decisions${redisSkipReason}`, () => {
  it('for random workloads of rules, subjects, costs and time steps', async () => {
    const op = fc.record({
      advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 })),
      tenant: fc.constantFrom(TENANT_A, TENANT_B),
      subject: fc.constantFrom('k1', 'k2', 'a:b'),
      withKey: fc.boolean(),
      cost: fc.integer({ min: 1, max: 3 }),
    });
    const policy = fc.record({ limit: fc.integer({ min: 1, max: 120 }), burst: fc.integer({ min: 1, max: 6 }) });
    await fc.assert(
      fc.asyncProperty(policy, policy, fc.array(op, { minLength: 1, maxLength: 40 }), async (tp, kp, ops) => {
        const clock = new FakeClock();
        const memory = createRateLimiter({ store: memoryStore({ clock }), clock });
        const redis = createRateLimiter({ store: ioredisStore(client as Redis), clock, prefix: space() });
        for (const o of ops) {
          clock.advance(o.advanceMs);
          const rules: RateRule[] = [{ name: 'tenant', policy: perMinute(tp.limit, tp.burst) }];
          if (o.withKey) rules.push({ name: 'api-key', subject: o.subject, policy: perMinute(kp.limit, kp.burst) });
          const [m, r] = [await memory.check(o.tenant, rules, o.cost), await redis.check(o.tenant, rules, o.cost)];
          expect(r).toEqual(m);
        }
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * GCRA from its definition, for the property below: per key a theoretical arrival time; a
 * request of `cost` at `now` is allowed when every rule's new TAT lies within its capacity,
 * and then recorded in all of them.
 */
function referenceGcra() {
  const tats = new Map<string, number>();
  return (keys: readonly string[], params: readonly { intervalUs: number; capacityUs: number }[], cost: number, nowUs: number) => {
    const steps = keys.map((key, i) => {
      const { intervalUs, capacityUs } = params[i] as { intervalUs: number; capacityUs: number };
      const tat = Math.max(tats.get(key) ?? 0, nowUs);
      const newTat = tat + cost * intervalUs;
      const allowed = newTat - capacityUs <= nowUs;
      const until = allowed ? newTat : tat;
      return {
        allowed, newTat, index: i,
        remaining: Math.max(0, Math.floor((capacityUs - (until - nowUs)) / intervalUs)),
        resetAfterMs: Math.ceil((until - nowUs) / 1000),
        retryAfterMs: allowed ? 0 : Math.ceil((newTat - capacityUs - nowUs) / 1000),
      };
    });
    const allowed = steps.every((s) => s.allowed);
    // The binding rule: the refusal with the longest wait, else the least left (then the longest reset); the first on ties.
    const binding = allowed
      ? steps.reduce((b, s) => (s.remaining < b.remaining || (s.remaining === b.remaining && s.resetAfterMs > b.resetAfterMs) ? s : b))
      : steps.filter((s) => !s.allowed).reduce((b, s) => (s.retryAfterMs > b.retryAfterMs ? s : b));
    if (allowed) for (const s of steps) tats.set(keys[s.index] as string, s.newTat);
    return { allowed, index: binding.index, remaining: binding.remaining, resetAfterMs: binding.resetAfterMs, retryAfterMs: binding.retryAfterMs };
  };
}

describe(`decisions equal a reference GCRA model over random arrival sequences${redisSkipReason}`, () => {
  // Two "app servers" on Redis, each with its own driver (so the fast path's memory of which
  // keys exist differs between them), taking turns; and the in-process store.
  const arrival = fc.record({
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 120_000 })),
    tenant: fc.constantFrom(TENANT_A, TENANT_B),
    subject: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
    cost: fc.integer({ min: 1, max: 4 }),
    server: fc.constantFrom(0, 1),
  });
  const policy = fc.record({ limit: fc.integer({ min: 1, max: 600 }), burst: fc.integer({ min: 1, max: 6 }) });

  it.each(redisUrl ? ['memory', 'redis'] : ['memory'])('on %s', async (backend) => {
    await fc.assert(
      fc.asyncProperty(policy, policy, fc.array(arrival, { minLength: 1, maxLength: 60 }), async (tp, kp, arrivals) => {
        const clock = new FakeClock();
        const keySpace = space();
        const limiters = backend === 'memory'
          ? [createRateLimiter({ store: memoryStore({ clock }), clock, prefix: keySpace })]
          : [0, 1].map(() => createRateLimiter({ store: ioredisStore(client as Redis), clock, prefix: keySpace, onUnavailable: 'closed' }));
        const model = referenceGcra();
        const tenantPolicy = perMinute(tp.limit, tp.burst);
        const keyPolicy = perMinute(kp.limit, kp.burst);
        const paramsOf = (p: { limit: number; burst: number }) => ({ intervalUs: Math.max(1, Math.round(60_000_000 / p.limit)), capacityUs: Math.max(1, Math.round(60_000_000 / p.limit)) * p.burst });
        for (const a of arrivals) {
          clock.advance(a.advanceMs);
          const rules: RateRule[] = [{ name: 'tenant', policy: tenantPolicy }];
          const keys = [`${a.tenant}/tenant`];
          const params = [paramsOf(tp)];
          if (a.subject !== undefined) {
            rules.push({ name: 'api-key', subject: a.subject, policy: keyPolicy });
            keys.push(`${a.tenant}/key/${a.subject}`);
            params.push(paramsOf(kp));
          }
          const limiter = limiters[a.server % limiters.length] as RateLimiter;
          const got = await limiter.check(a.tenant, rules, a.cost);
          const want = model(keys, params, a.cost, clock.ms * 1000);
          expect([got.allowed, got.rule, got.remaining, got.resetAfterMs, got.retryAfterMs])
            .toEqual([want.allowed, rules[want.index]?.name, want.remaining, want.resetAfterMs, want.retryAfterMs]);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe.skipIf(!redisUrl)(`Redis's own clock (TIME)${redisSkipReason}`, () => {
  it('limits with the server time, shared by every app server whatever their clocks say', async () => {
    const keySpace = space();
    const store: KeyValueStore = ioredisStore(client as Redis);
    // Two "app servers": no clock passed, so neither one's time matters.
    const [one, two] = [createRateLimiter({ store, prefix: keySpace }), createRateLimiter({ store, prefix: keySpace })];
    const rules = [tenantRule(1, 5)]; // one a minute, five at once
    const decisions: RateDecision[] = [];
    for (let i = 0; i < 6; i += 1) decisions.push(await (i % 2 === 0 ? one : two).check(TENANT_A, rules));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.slice(0, 5).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    const denied = decisions[5] as RateDecision;
    // The wait is one interval less the (small, unknown) time these calls took.
    expect(denied.retryAfterMs).toBeGreaterThan(30_000);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(denied.resetAfterMs).toBeGreaterThan(270_000);
    expect(denied.resetAfterMs).toBeLessThanOrEqual(300_000);
    // The key lives until its TAT (5 × 60 s ahead), with 1 ms for Redis's millisecond expiry
    // and no margin for a foreign clock.
    const ttl = await (client as Redis).pttl(`${keySpace}:{${TENANT_A}}:rl:tenant`);
    expect(ttl).toBeGreaterThan(270_000);
    expect(ttl).toBeLessThanOrEqual(300_001);
  });

  it('records a fresh key with one SET NX (the fast path), which the script then reads exactly', async () => {
    const keySpace = space();
    const key = `${keySpace}:{${TENANT_A}}:rl:tenant`;
    const rules = [tenantRule(1, 5)];
    const first = await createRateLimiter({ store: ioredisStore(client as Redis), prefix: keySpace }).check(TENANT_A, rules);
    expect(summary(first)).toEqual([true, 4, 60_000, 0]);
    // Written by SET NX with the store's time: the offset of the TAT, its origin is the SET's instant.
    expect(await (client as Redis).get(key)).toBe('@60000000');
    // Another app server (its own driver, which never saw the key) tries the fast path, finds
    // the key and lets the script decide from it.
    const other = createRateLimiter({ store: ioredisStore(client as Redis), prefix: keySpace });
    const remaining: number[] = [];
    for (let i = 0; i < 4; i += 1) remaining.push((await other.check(TENANT_A, rules)).remaining);
    expect(remaining).toEqual([3, 2, 1, 0]);
    const denied = await other.check(TENANT_A, rules);
    expect(denied.allowed).toBe(false);
    expect(denied.resetAfterMs).toBeGreaterThan(270_000);
    expect(denied.resetAfterMs).toBeLessThanOrEqual(300_000);
  });
});
