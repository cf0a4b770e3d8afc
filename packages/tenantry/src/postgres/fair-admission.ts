// Weighted fair admission in front of a connection pool: a tenant that floods the database gets
// its share of the pool's connections and waits for more, instead of taking every connection
// while the other tenants queue behind it (docs/noisy-neighbours.md).
import { coreErrors, type TenantId, type TenantryError } from '../core/index.js';
import { remainingDeadline } from './database-deadline.js';
import { postgresErrors } from './errors.js';

/** What admission needs to know about one tenant (usually from its plan). */
export interface TenantShare {
  /** Relative share of the pool while tenants compete for it. Default 1. */
  readonly weight?: number;
  /** Connections the tenant may hold at once, even when the pool has more free. Default: the admission's `maxConnectionsPerTenant`. */
  readonly maxConnections?: number;
}

export interface FairAdmissionOptions {
  /** Connections handed out at once: the app pool's maximum (its `max`). */
  readonly capacity: number;
  /** Default per-tenant cap (a tenant's `maxConnections` overrides it). Default: half the capacity, at least 1. */
  readonly maxConnectionsPerTenant?: number;
  /** Waiting callers a tenant may have; one more is refused with DATABASE_TENANT_QUEUE_FULL. Default 1,000. */
  readonly maxQueuedPerTenant?: number;
  /**
   * The longest a caller waits for a place, as the pool's own acquire timeout would (set them
   * alike: a caller admitted here then finds a connection free). Past it: DATABASE_UNAVAILABLE,
   * a retryable 503, like a pool with no connection free. Default: the database deadline only.
   */
  readonly acquireTimeoutMs?: number;
}

/** A held place: give it back exactly once, when its connection went back to the pool. */
export interface AdmissionTicket {
  leave(): void;
}

export interface AdmissionStats {
  readonly capacity: number;
  readonly inUse: number;
  readonly waiting: number;
  /** Tenants with at least one caller waiting. */
  readonly tenantsWaiting: number;
}

export interface FairAdmission {
  /**
   * A place for `tenantId`, now or once the tenant's turn comes. Waits no longer than the
   * database deadline in context (DATABASE_TIMEOUT past it).
   */
  enter(tenantId: TenantId, share?: TenantShare): Promise<AdmissionTicket>;
  stats(): AdmissionStats;
  /** Places one tenant holds and callers it has waiting (0 and 0 for one unseen). */
  tenant(tenantId: TenantId): { readonly active: number; readonly waiting: number };
}

interface Waiter {
  readonly admit: (ticket: AdmissionTicket) => void;
  readonly refuse: (err: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

interface TenantState {
  readonly tenantId: TenantId;
  active: number;
  weight: number;
  cap: number;
  /** The dispatch round this tenant was last served in: ties go to the one served longest ago. */
  servedAt: number;
  readonly queue: Waiter[];
}

/** CONFIG_INVALID for `path` unless `value` is a positive (integer) number. */
function notPositive(value: unknown, path: string, integer: boolean): TenantryError | undefined {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    return coreErrors.create('CONFIG_INVALID', { details: { path, reason: integer ? 'a positive integer' : 'a positive number' } });
  }
  return undefined;
}

function positive(value: unknown, path: string, integer: boolean): void {
  const error = notPositive(value, path, integer);
  if (error !== undefined) throw error;
}

/**
 * A weighted fair queue of tenants in front of a pool. A tenant is admitted at once while the
 * pool has room, it holds fewer places than its cap, and none of its own callers wait (no
 * overtaking). When a place frees, the waiting tenant with the fewest places per unit of weight
 * gets it (ties: the one served longest ago), so no tenant holds more than its weighted share
 * while others wait, and an idle pool still lets one tenant use up to its cap (work-conserving).
 *
 * @example
 * const admission = createFairAdmission({ capacity: 10, maxConnectionsPerTenant: 4 });
 * const db = createTenantDatabase({ pool, admission, limits: (id) => limitsOfPlan(id) });
 */
export function createFairAdmission(options: FairAdmissionOptions): FairAdmission {
  for (const key of Object.keys(options)) {
    if (!['capacity', 'maxConnectionsPerTenant', 'maxQueuedPerTenant', 'acquireTimeoutMs'].includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: `admission.${key}`, reason: 'unknown option' } });
  }
  positive(options.capacity, 'admission.capacity', true);
  const { capacity } = options;
  const defaultCap = options.maxConnectionsPerTenant ?? Math.max(1, Math.floor(capacity / 2));
  positive(defaultCap, 'admission.maxConnectionsPerTenant', true);
  const maxQueued = options.maxQueuedPerTenant ?? 1000;
  positive(maxQueued, 'admission.maxQueuedPerTenant', true);
  const { acquireTimeoutMs } = options;
  if (acquireTimeoutMs !== undefined) positive(acquireTimeoutMs, 'admission.acquireTimeoutMs', false);

  const tenants = new Map<TenantId, TenantState>();
  // Only tenants with callers waiting: a dispatch looks at these, not at every tenant seen.
  const waitingTenants = new Set<TenantState>();
  let inUse = 0;
  let waiting = 0;
  let round = 0;

  const stateOf = (tenantId: TenantId, share: TenantShare | undefined): TenantState => {
    let state = tenants.get(tenantId);
    if (state === undefined) {
      state = { tenantId, active: 0, weight: 1, cap: defaultCap, servedAt: 0, queue: [] };
      tenants.set(tenantId, state);
    }
    // The latest share wins: a plan change takes effect at the tenant's next entry.
    state.weight = share?.weight ?? 1;
    state.cap = Math.min(share?.maxConnections ?? defaultCap, capacity);
    return state;
  };

  const ticketFor = (state: TenantState): AdmissionTicket => {
    inUse += 1;
    state.active += 1;
    state.servedAt = ++round;
    let left = false;
    return {
      leave() {
        if (left) return;
        left = true;
        inUse -= 1;
        state.active -= 1;
        // Forget idle tenants, so 100,000 tenants seen once keep no state here.
        if (state.active === 0 && state.queue.length === 0) tenants.delete(state.tenantId);
        dispatch();
      },
    };
  };

  function dispatch(): void {
    while (inUse < capacity && waitingTenants.size > 0) {
      let best: TenantState | undefined;
      for (const state of waitingTenants) {
        if (state.active >= state.cap) continue;
        if (best === undefined) {
          best = state;
          continue;
        }
        // Fewest places per unit of weight first: a tenant's share grows with its weight.
        const load = state.active / state.weight;
        const bestLoad = best.active / best.weight;
        if (load < bestLoad || (load === bestLoad && state.servedAt < best.servedAt)) best = state;
      }
      if (best === undefined) return; // every waiting tenant is at its cap
      const waiter = best.queue.shift() as Waiter;
      waiting -= 1;
      if (best.queue.length === 0) waitingTenants.delete(best);
      clearTimeout(waiter.timer);
      waiter.admit(ticketFor(best));
    }
  }

  return {
    enter(tenantId, share) {
      const invalid = (share?.weight === undefined ? undefined : notPositive(share.weight, 'share.weight', false))
        ?? (share?.maxConnections === undefined ? undefined : notPositive(share.maxConnections, 'share.maxConnections', true));
      if (invalid !== undefined) return Promise.reject(invalid);
      const state = stateOf(tenantId, share);
      if (inUse < capacity && state.active < state.cap && state.queue.length === 0) return Promise.resolve(ticketFor(state));
      if (state.queue.length >= maxQueued) {
        return Promise.reject(postgresErrors.create('DATABASE_TENANT_QUEUE_FULL', { details: { tenantId, queued: state.queue.length } }));
      }
      const deadline = remainingDeadline();
      if (deadline !== undefined && deadline.remainingMs <= 0) return Promise.reject(postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs: deadline.deadlineMs } }));
      // Whichever ends first: the request's database deadline or the acquire timeout.
      const byDeadline = deadline !== undefined && (acquireTimeoutMs === undefined || deadline.remainingMs <= acquireTimeoutMs);
      const waitMs = byDeadline ? deadline?.remainingMs : acquireTimeoutMs;
      return new Promise<AdmissionTicket>((admit, refuse) => {
        const waiter: Waiter = { admit, refuse, timer: undefined };
        if (waitMs !== undefined) {
          waiter.timer = setTimeout(() => {
            const at = state.queue.indexOf(waiter);
            if (at < 0) return;
            state.queue.splice(at, 1);
            waiting -= 1;
            if (state.queue.length === 0) {
              waitingTenants.delete(state);
              if (state.active === 0) tenants.delete(tenantId);
            }
            refuse(byDeadline
              ? postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs: deadline?.deadlineMs } })
              : postgresErrors.create('DATABASE_UNAVAILABLE', { details: { reason: 'no connection became free within the acquire timeout', acquireTimeoutMs } }));
          }, waitMs);
        }
        state.queue.push(waiter);
        waiting += 1;
        waitingTenants.add(state);
      });
    },
    stats: () => ({ capacity, inUse, waiting, tenantsWaiting: waitingTenants.size }),
    tenant(tenantId) {
      const state = tenants.get(tenantId);
      return { active: state?.active ?? 0, waiting: state?.queue.length ?? 0 };
    },
  };
}
