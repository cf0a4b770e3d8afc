// The database tier's pools: one small app-role pool per tenant database, opened at its first
// use, with the total number of connections across every target bounded. When opening one more
// pool would pass the bound, the least recently used pool that has no connection checked out is
// closed first; when every pool is busy, the caller waits for one to become idle (up to a
// deadline, then PLACEMENT_CONNECTIONS_EXHAUSTED, a retryable 503).
import type { SqlPool } from '../postgres/index.js';
import { placementErrors } from './errors.js';

export interface BoundedPoolsOptions {
  /** Makes a pool of `max` connections (the driver: pgPool, postgresJsPool …). */
  readonly connect: (config: { readonly connectionString: string; readonly max: number }) => SqlPool;
  /** Connections all pools together may hold (default 64). */
  readonly maxConnections?: number;
  /** Connections of one tenant's pool (default 2). */
  readonly poolSize?: number;
  /** How long a caller waits for a pool slot when every pool is busy (default 5 000 ms). */
  readonly acquireTimeoutMs?: number;
}

export interface BoundedPoolsStats {
  /** Pools open now, and the connections they may hold together (≤ maxConnections). */
  readonly open: number;
  readonly reservedConnections: number;
  /** Pools opened and closed (for the LRU) since the start. */
  readonly opened: number;
  readonly closed: number;
}

export interface BoundedPools {
  /**
   * The pool for `connectionString`, opened if it is not, held until `release()` (a held pool is
   * never the one closed to make room).
   */
  get(connectionString: string): Promise<HeldPool>;
  stats(): BoundedPoolsStats;
  /** Closes every pool. */
  end(): Promise<void>;
}

interface Entry {
  readonly pool: SqlPool;
  /** Callers holding the pool (from get() to their release()): a pool is idle at 0. */
  leased: number;
}

/** A pool held by one caller: it is not closed until `release()`. */
export interface HeldPool {
  readonly pool: SqlPool;
  release(): void;
}

/**
 * @example
 * const pools = createBoundedPools({ connect: (c) => pgPool(c), maxConnections: 40 });
 * const held = await pools.get(tenantDatabaseUrl);
 * try { await held.pool.query('SELECT 1'); } finally { held.release(); }
 */
export function createBoundedPools(options: BoundedPoolsOptions): BoundedPools {
  const maxConnections = options.maxConnections ?? 64;
  const poolSize = options.poolSize ?? 2;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 5_000;
  if (!Number.isInteger(poolSize) || poolSize < 1 || !Number.isInteger(maxConnections) || maxConnections < poolSize) {
    throw placementErrors.create('TARGET_INVALID', { details: { field: 'maxConnections', reason: 'an integer of at least poolSize (≥ 1)' } });
  }
  // Map order is recency order: a use moves the entry to the end, so the first idle one is the LRU.
  const entries = new Map<string, Entry>();
  const waiters: (() => void)[] = [];
  let opened = 0;
  let closed = 0;
  let ended = false;

  const wake = (): void => {
    for (const resume of waiters.splice(0)) resume();
  };

  /** Closes the least recently used idle pool; false when every pool has a connection out. */
  async function closeIdle(): Promise<boolean> {
    for (const [key, entry] of entries) {
      if (entry.leased > 0) continue;
      entries.delete(key);
      closed += 1;
      await entry.pool.end();
      return true;
    }
    return false;
  }

  function hold(entry: Entry): HeldPool {
    entry.leased += 1;
    let released = false;
    return {
      pool: entry.pool,
      release() {
        if (released) return;
        released = true;
        entry.leased -= 1;
        if (entry.leased === 0) wake();
      },
    };
  }

  async function get(connectionString: string): Promise<HeldPool> {
    const deadline = Date.now() + acquireTimeoutMs;
    for (;;) {
      if (ended) throw placementErrors.create('PLACEMENT_CONNECTIONS_EXHAUSTED', { details: { reason: 'closed' } });
      const found = entries.get(connectionString);
      if (found) {
        entries.delete(connectionString);
        entries.set(connectionString, found);
        return hold(found);
      }
      if ((entries.size + 1) * poolSize <= maxConnections || (await closeIdle())) {
        // Re-check after the await: another caller may have opened it meanwhile.
        if (entries.has(connectionString)) continue;
        if ((entries.size + 1) * poolSize > maxConnections) continue;
        const entry: Entry = { pool: options.connect({ connectionString, max: poolSize }), leased: 0 };
        entries.set(connectionString, entry);
        opened += 1;
        return hold(entry);
      }
      // A release between closeIdle's look and now would have woken nobody: look again before sleeping.
      if ((entries.size + 1) * poolSize <= maxConnections || [...entries.values()].some((e) => e.leased === 0)) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw placementErrors.create('PLACEMENT_CONNECTIONS_EXHAUSTED', { details: { maxConnections } });
      await new Promise<void>((resume) => {
        const timer = setTimeout(resume, left);
        waiters.push(() => { clearTimeout(timer); resume(); });
      });
    }
  }

  return {
    get,
    stats: () => ({ open: entries.size, reservedConnections: entries.size * poolSize, opened, closed }),
    async end() {
      ended = true;
      const all = [...entries.values()];
      entries.clear();
      wake();
      await Promise.all(all.map((e) => e.pool.end()));
    },
  };
}
