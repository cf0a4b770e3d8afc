// Error codes of the redis capability (tenant-scoped keys, cache, rate limiting). Details carry
// numbers the caller may act on (limit, retry time), never another tenant's identifiers.
import { defineErrors } from '../core/index.js';

/**
 * The redis capability's codes; docs/errors.md has a row for each.
 *
 * @example if (isTenantryError(err, 'RATE_LIMITED')) reply.header('retry-after', err.details.retryAfterSeconds);
 */
export const redisErrors = defineErrors('redis', {
  RATE_LIMITED: {
    kind: 'limited',
    message: 'Too many requests; the rate limit is used up for now.',
    fix: 'Wait `details.retryAfterSeconds` (the `Retry-After` header) before retrying, and spread requests out; a higher limit comes with the plan.',
  },
  RATE_LIMIT_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The rate limiter cannot reach its store, and this limit fails closed.',
    fix: 'Retry shortly. Operators: check that Redis is reachable (REDIS_URL); the cause is in the server log.',
  },
  REDIS_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The key-value store (Redis) did not answer.',
    fix: 'Retry shortly. Operators: check that Redis is reachable (REDIS_URL); the cause is in the server log.',
  },
  CACHE_VALUE_INVALID: {
    kind: 'invalid',
    message: 'The value cannot be cached: it is not JSON-serializable.',
    fix: 'Cache plain JSON data (objects, arrays, strings, finite numbers, booleans, null); `undefined`, functions, bigints and cycles are refused.',
  },
});
