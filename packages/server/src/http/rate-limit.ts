// Tenant rate limits on the /v1/tenant routes: after the tenant is resolved, one atomic check
// of the tenant's limit and (for an API key) the key's limit; every response carries the
// RateLimit-Limit/-Remaining/-Reset headers, a refusal is 429 RATE_LIMITED with Retry-After.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { coreErrors, currentTenant, type Tenant } from 'tenantry';
import type { PlanCatalog } from 'tenantry/quota';
import {
  createRateLimiter, ioredisStore, memoryStore, RECOMMENDED_IOREDIS_OPTIONS, redisErrors,
  type KeyValueStore, type OnUnavailable, type RateLimiter, type RatePolicy, type RateRule,
} from 'tenantry/redis';
import type { ServerConfig } from '../config.js';
import { resolvedTenantOf, tryTenantPrincipalOf } from './principal.js';

/** A limit as plans state it. */
export interface TenantRate {
  readonly perMinute: number;
  readonly burst: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `sensitive`: a route that mints credentials or access (keys, invitations, members, roles,
     * secrets). While Redis is down it never goes unlimited (docs/isolation-rules.md rule 20).
     */
    rateClass?: 'sensitive';
  }
}

export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /**
   * The limiter of `rateClass: 'sensitive'` routes: the same store and limits, but while the
   * store is unavailable it refuses (`closed`) or limits per server (`local`), never `open`.
   * Default: `limiter`.
   */
  readonly sensitiveLimiter?: RateLimiter;
  /** The tenant-wide limit (from its plan: the registry record it was resolved to); undefined: none. */
  readonly limitFor: (tenant: Tenant) => TenantRate | undefined;
  /** The limit of one API key within its tenant; undefined: none. */
  readonly apiKeyLimitFor?: (tenant: Tenant, keyId: string) => TenantRate | undefined;
}

// limitFor usually hands back the same few objects (one per plan): their policies are made
// once, and the limiter caches the GCRA numbers per policy object.
const policies = new WeakMap<TenantRate, RatePolicy>();
const policyOf = (rate: TenantRate): RatePolicy => {
  let policy = policies.get(rate);
  if (policy === undefined) {
    policy = { limit: rate.perMinute, periodMs: 60_000, burst: rate.burst };
    policies.set(rate, policy);
  }
  return policy;
};

/**
 * Adds the limit to a tenant scope. Register it after the tenant plugin, so that the tenant
 * (and the principal) are known when its hook runs.
 *
 * @example await tenantScope(scope, deps); registerRateLimit(scope, deps.rateLimit);
 */
export function registerRateLimit(scope: FastifyInstance, options: RateLimitOptions): void {
  const { limitFor, apiKeyLimitFor } = options;
  const sensitiveLimiter = options.sensitiveLimiter ?? options.limiter;
  scope.addHook('onRequest', async (request, reply) => {
    if (currentTenant() === undefined) throw coreErrors.create('INTERNAL', { message: 'rate limit hook ran before tenant resolution' });
    const tenant = resolvedTenantOf(request);
    const rules: RateRule[] = [];
    const tenantRate = limitFor(tenant);
    if (tenantRate !== undefined) rules.push({ name: 'tenant', policy: policyOf(tenantRate) });
    const principal = tryTenantPrincipalOf(request);
    if (principal?.kind === 'apiKey' && apiKeyLimitFor !== undefined) {
      const keyRate = apiKeyLimitFor(tenant, principal.keyId);
      if (keyRate !== undefined) rules.push({ name: 'api-key', subject: principal.keyId, policy: policyOf(keyRate) });
    }
    if (rules.length === 0) return;
    const limiter = request.routeOptions.config.rateClass === 'sensitive' ? sensitiveLimiter : options.limiter;
    const decision = await limiter.check(tenant.id, rules);
    // draft-ietf-httpapi-ratelimit-headers-06 style (as express-rate-limit's 'draft-6'):
    // the binding rule's burst, what is left of it, and seconds until it is full again.
    void reply.header('ratelimit-limit', decision.limit);
    void reply.header('ratelimit-remaining', decision.remaining);
    void reply.header('ratelimit-reset', Math.ceil(decision.resetAfterMs / 1000));
    if (!decision.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      void reply.header('retry-after', retryAfterSeconds);
      throw redisErrors.create('RATE_LIMITED', { details: { limit: decision.limit, rule: decision.rule, retryAfterSeconds } });
    }
  });
}

/** The server's limiter and its store, from the configuration, and how to close them. */
export interface ServerRateLimit {
  readonly options: RateLimitOptions;
  readonly store: KeyValueStore;
  /** Settles once Redis answers (at once for the in-process store); the server does not wait for it. */
  ready(): Promise<void>;
  /** PING to Redis for the readiness probe; absent with the in-process store. */
  readonly ping?: () => Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Redis when REDIS_URL is set (reconnecting in the background; commands never queue while it
 * is away), else the in-process store. Store failures are counted by the limiter and logged
 * once per outage, not once per request.
 *
 * @example const rateLimit = serverRateLimit(config, logger); buildApp({ …, api: { …, rateLimit: rateLimit.options } });
 */
export function serverRateLimit(config: ServerConfig, logger: Logger, plans: { catalog?: PlanCatalog } = {}): ServerRateLimit {
  let client: Redis | undefined;
  let store: KeyValueStore;
  let readyPromise: Promise<void> = Promise.resolve();
  /** True from the first failure until Redis answers again: one warning per outage. */
  let down = false;
  const onUnavailable: OnUnavailable = config.rateLimitOnUnavailable;
  // Failures are counted by the limiters (stats) and refusals by the metrics (error codes): the
  // log gets one warning when an outage starts and one line when it ends.
  const onStoreError = (err: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ err, onUnavailable }, 'rate limiter: Redis failed; applying the unavailability policy until it answers again');
  };
  // The first answer after failures ends the outage: a frozen Redis never drops the connection,
  // so waiting for a reconnect ('ready') would hide its end and the next outage's start.
  const onStoreRecovered = () => {
    if (!down) return;
    down = false;
    logger.info('rate limiter: Redis is reachable again');
  };
  if (config.redisUrl === undefined) {
    store = memoryStore();
  } else {
    client = new Redis(config.redisUrl, { ...RECOMMENDED_IOREDIS_OPTIONS, lazyConnect: true });
    // Without a listener ioredis prints every failed reconnect; the limiter's hook reports instead.
    client.on('error', () => {});
    client.on('ready', () => onStoreRecovered());
    const connecting = client;
    readyPromise = new Promise((resolve) => connecting.once('ready', () => resolve()));
    client.connect().catch((err: unknown) => logger.warn({ err }, 'rate limiter: Redis is not reachable yet; retrying in the background'));
    store = ioredisStore(client);
  }
  const limiter = createRateLimiter({ store, onUnavailable, onStoreError, onStoreRecovered });
  // Routes that mint access never go unlimited: `open` becomes per-server limits for them.
  const sensitiveLimiter = onUnavailable === 'open' ? createRateLimiter({ store, onUnavailable: 'local', onStoreError, onStoreRecovered }) : limiter;
  const tenantRate: TenantRate = { perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst };
  const keyRate: TenantRate = { perMinute: config.rateLimitApiKeyPerMinute, burst: config.rateLimitApiKeyBurst };
  return {
    store,
    options: { limiter, sensitiveLimiter, limitFor: plans.catalog ? planRates(plans.catalog, tenantRate) : () => tenantRate, apiKeyLimitFor: () => keyRate },
    ready: () => readyPromise,
    ...(client === undefined ? {} : { ping: () => client.ping() }),
    async close() {
      if (client !== undefined) await client.quit().catch(() => client?.disconnect());
    },
  };
}

/**
 * The tenant-wide limit from the tenant's plan: its `apiRequestsPerMinute` hard limit (null:
 * unlimited), with the configured burst capped at that rate; a plan or catalog without the
 * meter falls back to the configured limit. One object per plan, so the limiter's per-policy
 * numbers are computed once. Per-tenant quota overrides of this meter are not read here (that
 * would cost a query per request).
 */
function planRates(catalog: PlanCatalog, fallback: TenantRate): (tenant: Tenant) => TenantRate | undefined {
  const byPlan = new Map<string, TenantRate | undefined>();
  return (tenant) => {
    if (byPlan.has(tenant.plan)) return byPlan.get(tenant.plan);
    const limit = catalog.tryPlan(tenant.plan)?.limits.apiRequestsPerMinute;
    const rate = limit === undefined ? fallback : limit.hard === null ? undefined : { perMinute: limit.hard, burst: Math.max(1, Math.min(fallback.burst, limit.hard)) };
    byPlan.set(tenant.plan, rate);
    return rate;
  };
}
