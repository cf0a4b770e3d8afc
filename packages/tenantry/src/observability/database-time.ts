// Database time per tenant: the sum of each tenant's statement round trips, from the tenant
// database's observer, in bounded memory however many tenants there are (Space-Saving), with
// the heaviest tenants and their share of all database time for hot-tenant alerts.
import type { TenantDatabaseObserver } from '../postgres/index.js';
import { SpaceSaving } from './space-saving.js';

export interface DatabaseTimeOptions {
  /** Tenants tracked at once: any tenant with more than 1/N of all database time is among them. Default 1,000. */
  readonly trackedTenants?: number;
  /** Share of all database time (0–1) from which a tenant is hot. Default 0.25. */
  readonly hotShare?: number;
}

/** One tenant's database time (since the last {@link DatabaseTime.decay}, halved at each). */
export interface TenantDatabaseTime {
  readonly tenantId: string;
  /** Milliseconds, a lower bound (over-counting from evicted tenants is subtracted). */
  readonly ms: number;
  /** `ms` ÷ all tenants' database time. */
  readonly share: number;
  /** Statements of this tenant stopped by its statement timeout (STATEMENT_TIMEOUT). */
  readonly timeouts: number;
}

export interface DatabaseTime {
  /** Pass to `createTenantDatabase({ observer })` (with `combineObservers` beside metrics). */
  readonly observer: TenantDatabaseObserver;
  /** All tenants' database time, in milliseconds. */
  totalMs(): number;
  /** The `n` tenants with the most database time, most first. */
  top(n: number): TenantDatabaseTime[];
  /** Tenants at or above `hotShare` of all database time: the input of a hot-tenant alert. */
  hot(): TenantDatabaseTime[];
  /** Halves every count, so recent load decides (call it on an interval, e.g. every minute). */
  decay(): void;
}

// Microseconds: Space-Saving halves with Math.floor, which would erase sub-millisecond statements.
const US = 1000;

/**
 * @example
 * const time = createDatabaseTime();
 * const db = createTenantDatabase({ pool, observer: combineObservers(metrics.databaseObserver, time.observer) });
 * setInterval(() => { for (const t of time.hot()) log.warn(t, 'hot tenant'); time.decay(); }, 60_000);
 */
export function createDatabaseTime(options: DatabaseTimeOptions = {}): DatabaseTime {
  const tracked = options.trackedTenants ?? 1000;
  const hotShare = options.hotShare ?? 0.25;
  if (!(hotShare > 0 && hotShare <= 1)) throw new RangeError('hotShare must be in (0, 1]');
  const time = new SpaceSaving(tracked);
  const timeouts = new SpaceSaving(tracked);
  const entry = (key: string, count: number, error: number): TenantDatabaseTime => {
    const ms = (count - error) / US;
    const total = time.total / US;
    return { tenantId: key, ms, share: total > 0 ? ms / total : 0, timeouts: timeouts.get(key)?.count ?? 0 };
  };
  return {
    observer: {
      onStatement(event) {
        time.observe(event.tenantId, Math.max(1, Math.round(event.durationMs * US)));
        if ((event.error as { code?: unknown } | undefined)?.code === 'STATEMENT_TIMEOUT') timeouts.observe(event.tenantId);
      },
    },
    totalMs: () => time.total / US,
    top: (n) => time.top(n).map((h) => entry(h.key, h.count, h.error)),
    hot() {
      // Only tenants above 1/tracked of the total can hold that share, and all of them are tracked.
      return time.top(Math.ceil(1 / hotShare)).map((h) => entry(h.key, h.count, h.error)).filter((t) => t.share >= hotShare);
    },
    decay() {
      time.decay();
      timeouts.decay();
    },
  };
}
