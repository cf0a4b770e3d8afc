// Who may act in a tenant, cached per instance so a request does not spend round trips on it:
// members (user id → role and permissions) and verified API keys (public id → key, scopes
// within its creator's grant). One bucket per tenant, dropped whole on every instance by the
// change feed's `access` topic whenever a member, a role, a key or the tenant itself changes.
import type { TenantId } from '../core/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { createTenantCache } from './tenant-cache.js';
import type { CacheOptions } from './tenant-document.js';

/** The feed topic: members, custom roles, API keys and the tenant's status changed. */
export const ACCESS_TOPIC = 'access';

/** What access is cached for by default, should an announcement be lost: short, it bounds staleness. */
export const ACCESS_MAX_AGE_MS = 5_000;

// Entries kept per tenant bucket: beyond it the oldest goes (a tenant with more active
// principals than this reads the rest through).
const MAX_BUCKET_ENTRIES = 1_000;

/** One tenant's cached principals; a dropped bucket is never written to again by the cache. */
export interface AccessBucket {
  /** By user id; `null` caches "not a member". */
  readonly members: Map<string, unknown>;
  /** By API key public id; `null` caches "refused" (revoked, expired, creator gone). */
  readonly keys: Map<string, unknown>;
}

export interface AccessCache {
  /**
   * The tenant's bucket. A value loaded after this call is stored into this bucket: if the
   * tenant's access changed meanwhile, the bucket was already dropped and the value with it.
   * Without a live feed the bucket is a fresh one each time (nothing is kept).
   */
  bucket(tenantId: TenantId): AccessBucket | Promise<AccessBucket>;
  /** Drops this instance's bucket now, and every other instance's through the feed. */
  changed(tenantId: TenantId): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Stores `value` under `key`, dropping the oldest entry when the map is full. */
export function remember(map: Map<string, unknown>, key: string, value: unknown): void {
  if (map.size >= MAX_BUCKET_ENTRIES && !map.has(key)) {
    const first = map.keys().next();
    if (first.done !== true) map.delete(first.value);
  }
  map.set(key, value);
}

const newBucket = (): AccessBucket => ({ members: new Map(), keys: new Map() });

/**
 * @example
 * const access = createAccessCache({ feed, cache: { maxAgeMs: 5000 } });
 * const bucket = await access.bucket(tenantId);
 */
export function createAccessCache(options: { readonly feed?: ChangeFeed | undefined; readonly cache?: CacheOptions | undefined; readonly maxAgeMs?: number | undefined }): AccessCache {
  const { onError, publishTimeoutMs } = options.cache ?? {};
  const cache = createTenantCache<AccessBucket>({
    topic: ACCESS_TOPIC,
    ...(options.feed ? { feed: options.feed } : {}),
    // Not the documents' max age (settings may lag a minute; access must not).
    maxAgeMs: options.maxAgeMs ?? ACCESS_MAX_AGE_MS,
    ...(onError ? { onError } : {}),
    ...(publishTimeoutMs === undefined ? {} : { publishTimeoutMs }),
  });
  const load = () => Promise.resolve(newBucket());
  return {
    // Synchronous on a hit: the hot path of every tenant request.
    bucket: (tenantId) => cache.peek(tenantId) ?? cache.get(tenantId, load),
    changed: (tenantId) => cache.changed(tenantId),
    ready: () => cache.ready(),
    close: () => cache.close(),
  };
}
