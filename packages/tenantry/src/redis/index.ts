// tenantry/redis: tenant-scoped Redis keys, a tenant-scoped cache, the tenant purge and
// tenant-aware rate limiting (GCRA), over ioredis or an in-process store with the same behaviour.
export * from './errors.js';
export { keysFor, escapeKeyPart, DEFAULT_KEY_PREFIX, type KeyScopeOptions, type TenantKeys } from './key-scope.js';
export type { KeyValueStore, GcraRule, GcraOutcome } from './key-value-store.js';
export { globMatch } from './glob.js';
export { perMinute, gcraParams, type RatePolicy, type GcraParams } from './rate-policy.js';
export {
  createRateLimiter,
  type RateLimiter, type RateLimiterOptions, type RateLimiterStats, type RateRule, type RateDecision, type DecisionSource, type OnUnavailable,
} from './rate-limiter.js';
export { createTenantCache, type TenantCache, type TenantCacheScope, type TenantCacheOptions } from './tenant-cache.js';
export { purgeTenantKeys, type PurgeTenantOptions } from './purge-tenant.js';
export { memoryStore, type MemoryStore, type MemoryStoreOptions } from './drivers/memory.js';
export { ioredisStore, RECOMMENDED_IOREDIS_OPTIONS } from './drivers/ioredis.js';
// The redis capability: the change feed that tells every instance what changed (docs/settings.md).
export { memoryChangeFeed, checkTopic } from './change-feed.js';
export type { ChangeFeed, ChangeFeedStats, FeedLink, SubscribeOptions } from './change-feed.js';
export { redisChangeFeed } from './drivers/ioredis-change-feed.js';
export type { RedisChangeFeed, RedisChangeFeedOptions } from './drivers/ioredis-change-feed.js';
