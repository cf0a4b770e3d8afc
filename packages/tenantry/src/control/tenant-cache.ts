// A per-instance read-through cache of one per-tenant document (settings, flags, branding),
// kept honest by the change feed: a change on any instance drops the entry on every instance.
import type { TenantId } from '../core/index.js';
import { checkTopic, redisErrors, type ChangeFeed, type FeedLink } from '../redis/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';

export interface TenantCacheOptions {
  /** The feed that tells this instance about changes made on others; without one nothing is cached. */
  readonly feed?: ChangeFeed;
  /** The feed topic of this document (`settings`, `flags` …). */
  readonly topic: string;
  /**
   * Entries kept at most. Past it, the least recently used goes first (second-chance LRU: a hit
   * only marks its entry, the eviction moves marked entries to the back). Default 10,000.
   */
  readonly maxEntries?: number;
  /**
   * A bound on staleness should an invalidation ever be lost (a write outside this library, a
   * publish that failed): entries older than this are swept, by a sweep every quarter of it, so
   * an entry lives at most 1.25 × this. Default 60 s.
   */
  readonly maxAgeMs?: number;
  /**
   * A subscription that failed (the cache then reads through) or a publish that failed even
   * after its retries (others stay stale up to maxAgeMs). Default: ignored.
   */
  readonly onError?: (err: unknown) => void;
  /**
   * How long `changed()` waits for the feed's publish: a write has already committed and must
   * not wait on Redis (a frozen Redis would hold it as long as it is frozen). Past it, the
   * publish is retried in the background (3 more times, waiting 1×, 2×, 4× this between), then
   * given up and reported to onError. Default 500 ms.
   */
  readonly publishTimeoutMs?: number;
}

export interface TenantCache<V> {
  /** The cached value, synchronously, or undefined (not cached, or the feed is not live). */
  peek(tenantId: TenantId): V | undefined;
  /** The cached value, or `load()`'s (stored when no invalidation raced it). Concurrent misses share one load. */
  get(tenantId: TenantId, load: () => Promise<V>): Promise<V>;
  /** Drops this instance's entry (what a feed message does). */
  invalidate(tenantId: TenantId): void;
  /** Drops this instance's entry now, and every other instance's through the feed. */
  changed(tenantId: TenantId): Promise<void>;
  /** Resolves once the feed subscription is live (from then on hits are served). */
  ready(): Promise<void>;
  /** How big the cache is and how well it serves: for metrics and sizing (docs/noisy-neighbours.md). */
  stats(): TenantCacheStats;
  /** Unsubscribes and stops the sweeper. */
  close(): Promise<void>;
}

export interface TenantCacheStats {
  readonly entries: number;
  readonly maxEntries: number;
  /** Reads answered from the cache, and those that went to `load` (or found the feed not live), since creation. */
  readonly hits: number;
  readonly misses: number;
  /** Entries dropped to stay within maxEntries (not invalidations, not the age sweep). */
  readonly evictions: number;
}

const PUBLISH_RETRIES = 3;

/** The feed's publish, or REDIS_UNAVAILABLE once `timeoutMs` passed (the publish itself may still land). */
function publishWithin(feed: ChangeFeed, topic: string, tenantId: TenantId, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(redisErrors.create('REDIS_UNAVAILABLE', { message: `The change feed did not take the publish within ${timeoutMs} ms.` })), timeoutMs);
  });
  const published = feed.publish(topic, tenantId);
  return Promise.race([published, late]).finally(() => {
    clearTimeout(timer);
    published.catch(() => {}); // settled later, after the race was lost: nothing left to tell
  });
}

interface Entry<V> { readonly value: V; readonly storedAt: number; used: boolean }
interface Flight<V> { readonly promise: Promise<V>; stale: boolean }

/**
 * Nothing is served from the cache unless the feed subscription is live: before it is
 * established, and between a lost connection and its return (messages may have been missed
 * meanwhile), every read goes to the database and nothing is stored. A load that an
 * invalidation overtook is returned to its caller but not stored, so a stale value never
 * outlives the change that made it stale.
 *
 * @example
 * const cache = createTenantCache<Values>({ feed, topic: 'settings' });
 * const values = cache.peek(tenantId) ?? await cache.get(tenantId, () => loadFromDb(tenantId));
 */
export function createTenantCache<V>(options: TenantCacheOptions): TenantCache<V> {
  checkKnownKeys(options, ['feed', 'topic', 'maxEntries', 'maxAgeMs', 'onError', 'publishTimeoutMs'], 'cache');
  const { feed } = options;
  const topic = checkTopic(options.topic);
  const maxEntries = integerOption(options.maxEntries, 10_000, 1, 10_000_000, 'cache.maxEntries');
  const maxAgeMs = integerOption(options.maxAgeMs, 60_000, 100, 86_400_000, 'cache.maxAgeMs');
  const onError = options.onError ?? (() => {});
  const publishTimeoutMs = integerOption(options.publishTimeoutMs, 500, 1, 60_000, 'cache.publishTimeoutMs');
  const retries = new Set<NodeJS.Timeout>();
  const entries = new Map<TenantId, Entry<V>>();
  const flights = new Map<TenantId, Flight<V>>();
  let live = false;
  let closed = false;
  let hits = 0;
  let misses = 0;
  let evictions = 0;

  /**
   * Makes room for one entry: the oldest-inserted entry goes unless it was read since it was
   * inserted or last passed over; then it moves to the back, unmarked (second chance). Each
   * pass unmarks what it passes, so this ends within one round of the map.
   */
  const evictOne = () => {
    for (const [id, entry] of entries) {
      entries.delete(id);
      if (!entry.used) {
        evictions += 1;
        return;
      }
      entry.used = false;
      entries.set(id, entry);
    }
  };
  let sweeper: NodeJS.Timeout | undefined;

  const invalidate = (tenantId: TenantId) => {
    entries.delete(tenantId);
    const flight = flights.get(tenantId);
    if (flight !== undefined) {
      flight.stale = true;
      flights.delete(tenantId);
    }
  };
  const clear = () => {
    entries.clear();
    for (const flight of flights.values()) flight.stale = true;
    flights.clear();
  };
  const onLink = (link: FeedLink) => {
    clear();
    live = link === 'restored' && !closed;
  };
  // Staleness is bounded by a sweep, not checked on each hit: Date.now() would cost more than
  // the lookup itself (measured ~50 ns against ~15 ns for a Map hit; bench/settings.ts).
  const sweep = () => {
    const oldest = Date.now() - maxAgeMs;
    for (const [id, entry] of entries) if (entry.storedAt < oldest) entries.delete(id);
  };

  let unsubscribe: (() => Promise<void>) | undefined;
  const subscribed: Promise<void> = feed === undefined
    ? Promise.resolve()
    : feed.subscribe(topic, invalidate, { onLink }).then((stop) => {
      unsubscribe = stop;
      if (closed) return stop();
      clear();
      live = true;
      sweeper = setInterval(sweep, Math.max(10, Math.floor(maxAgeMs / 4)));
      sweeper.unref();
      return undefined;
    }, (err: unknown) => onError(err));

  return {
    peek(tenantId) {
      if (!live) return undefined;
      const entry = entries.get(tenantId);
      if (entry === undefined) return undefined;
      entry.used = true;
      hits += 1;
      return entry.value;
    },
    get(tenantId, load) {
      if (live) {
        const entry = entries.get(tenantId);
        if (entry !== undefined) {
          entry.used = true;
          hits += 1;
          return Promise.resolve(entry.value);
        }
      } else {
        misses += 1;
        return load();
      }
      misses += 1;
      const running = flights.get(tenantId);
      if (running !== undefined) return running.promise;
      const flight: Flight<V> = {
        stale: false,
        promise: load().then((value) => {
          if (flights.get(tenantId) === flight) flights.delete(tenantId);
          if (!flight.stale && live) {
            if (entries.size >= maxEntries) evictOne();
            entries.set(tenantId, { value, storedAt: Date.now(), used: false });
          }
          return value;
        }, (err: unknown) => {
          if (flights.get(tenantId) === flight) flights.delete(tenantId);
          throw err;
        }),
      };
      flights.set(tenantId, flight);
      return flight.promise;
    },
    invalidate,
    async changed(tenantId) {
      invalidate(tenantId);
      if (feed === undefined) return;
      // The write has committed, so a failed publish is retried and then reported, never
      // thrown: the others are stale meanwhile, until their sweep (maxAgeMs) at most, or until
      // their own link drops (Redis down for them too), which empties them.
      const attempt = (n: number): Promise<void> => publishWithin(feed, topic, tenantId, publishTimeoutMs).catch((err: unknown) => {
        if (closed) return;
        if (n >= PUBLISH_RETRIES) {
          onError(err);
          return;
        }
        const timer = setTimeout(() => {
          retries.delete(timer);
          void attempt(n + 1);
        }, publishTimeoutMs * 2 ** n);
        timer.unref();
        retries.add(timer);
      });
      await attempt(0);
    },
    ready: () => subscribed,
    stats: () => ({ entries: entries.size, maxEntries, hits, misses, evictions }),
    async close() {
      closed = true;
      live = false;
      clear();
      if (sweeper !== undefined) clearInterval(sweeper);
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      // Not waiting for a subscription still pending (Redis unreachable): it unsubscribes
      // itself when it completes, and a shutdown must not hang on it.
      const stop = unsubscribe;
      unsubscribe = undefined;
      await stop?.();
    },
  };
}
