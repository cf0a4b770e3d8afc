// A read-through cache whose every key belongs to one tenant (keysFor), with JSON values and
// TTLs. Reads fall through to the loader when the store fails (docs/isolation-rules.md rule 20:
// the cache is never the reason a request fails); writes that must not be lost (delete) throw
// instead.
import { requireTenant, type TenantId } from '../core/index.js';
import { redisErrors } from './errors.js';
import { keysFor } from './key-scope.js';
import type { KeyValueStore } from './key-value-store.js';

export interface TenantCacheOptions {
  readonly store: KeyValueStore;
  /** A name for this cache within each tenant's key space, e.g. 'products'. */
  readonly namespace: string;
  /** Key space (see keysFor). Default 'tenantry'. */
  readonly prefix?: string;
  /** Expiry of entries when `set`/`wrap` gets none. Default 5 minutes. */
  readonly defaultTtlMs?: number;
  /** Called when a read or a best-effort write failed and was passed over (log and count here). */
  readonly onStoreError?: (error: unknown, operation: 'get' | 'set') => void;
}

/** The cache bound to one tenant. */
export interface TenantCacheScope {
  readonly tenantId: string;
  /** The cached value, or undefined on a miss (or when the store failed). */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores `value` as JSON; throws CACHE_VALUE_INVALID for what JSON cannot hold, REDIS_UNAVAILABLE when the store fails. */
  set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  /** Throws REDIS_UNAVAILABLE when the store fails: a failed invalidation must not pass silently. */
  delete(key: string): Promise<void>;
  /**
   * The cached value, or `load()`'s result, cached for `ttlMs`. Concurrent calls for one key
   * in this process share one `load()`. A store failure falls through to `load()`.
   */
  wrap<T>(key: string, load: () => Promise<T>, options?: { ttlMs?: number }): Promise<T>;
}

/** The cache; the unscoped methods act for the tenant in context (TENANT_CONTEXT_MISSING without one). */
export interface TenantCache extends Omit<TenantCacheScope, 'tenantId'> {
  forTenant(tenantId: TenantId | string): TenantCacheScope;
}

const serialize = (value: unknown): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw redisErrors.create('CACHE_VALUE_INVALID', { cause });
  }
  if (text === undefined) throw redisErrors.create('CACHE_VALUE_INVALID');
  return text;
};

/**
 * @example
 * const products = createTenantCache({ store, namespace: 'products', defaultTtlMs: 60_000 });
 * const list = await products.wrap('all', () => db.withCurrentTenant(loadProducts));
 */
export function createTenantCache(options: TenantCacheOptions): TenantCache {
  const { store, namespace, onStoreError } = options;
  const defaultTtlMs = options.defaultTtlMs ?? 300_000;
  // Loads in flight, by full key (which names the tenant), so two tenants never share one.
  const inflight = new Map<string, Promise<unknown>>();

  const scope = (tenantId: string): TenantCacheScope => {
    const keys = keysFor(tenantId, options.prefix === undefined ? {} : { prefix: options.prefix });
    const read = async <T>(full: string): Promise<T | undefined> => {
      let text: string | null;
      try {
        text = await store.get(full);
      } catch (error) {
        onStoreError?.(error, 'get');
        return undefined;
      }
      return text === null ? undefined : (JSON.parse(text) as T);
    };
    return {
      tenantId,
      get: (key) => read(keys.key(namespace, key)),
      async set(key, value, opts) {
        const text = serialize(value);
        try {
          await store.set(keys.key(namespace, key), text, opts?.ttlMs ?? defaultTtlMs);
        } catch (cause) {
          throw redisErrors.create('REDIS_UNAVAILABLE', { cause });
        }
      },
      async delete(key) {
        try {
          await store.unlink([keys.key(namespace, key)]);
        } catch (cause) {
          throw redisErrors.create('REDIS_UNAVAILABLE', { cause });
        }
      },
      async wrap<T>(key: string, load: () => Promise<T>, opts?: { ttlMs?: number }): Promise<T> {
        const full = keys.key(namespace, key);
        const pending = inflight.get(full);
        if (pending !== undefined) return pending as Promise<T>;
        const run = (async () => {
          const cached = await read<T>(full);
          if (cached !== undefined) return cached;
          const value = await load();
          const text = value === undefined ? undefined : serialize(value);
          if (text !== undefined) {
            // Best effort: the value is good even when it could not be cached.
            await store.set(full, text, opts?.ttlMs ?? defaultTtlMs).catch((error: unknown) => onStoreError?.(error, 'set'));
          }
          return value;
        })();
        inflight.set(full, run);
        try {
          return await run;
        } finally {
          inflight.delete(full);
        }
      },
    };
  };

  const current = () => scope(requireTenant().tenantId);
  return {
    forTenant: (tenantId) => scope(tenantId),
    // async, so a missing context rejects like every other failure instead of throwing synchronously.
    get: async (key) => current().get(key),
    set: async (key, value, opts) => current().set(key, value, opts),
    delete: async (key) => current().delete(key),
    wrap: async (key, load, opts) => current().wrap(key, load, opts),
  };
}
