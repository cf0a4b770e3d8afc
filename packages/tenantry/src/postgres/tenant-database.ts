// createTenantDatabase: the tenant-scoped face of an app-role pool.
import { parseTenantId, requireTenant, runWithTenant, type TenantId } from '../core/index.js';
import type { AdmitMode } from './tenant-gate.js';
import type { TenantDatabaseObserver } from './tenant-database-observer.js';
import { PooledTenantScope, type TenantScope } from './tenant-scope.js';
import type { TenantTransaction } from './tenant-transaction.js';
import type { SqlPool } from './sql-client.js';
import { createSqlGuard } from './sql-guard.js';
import type { FairAdmission } from './fair-admission.js';
import type { TenantLimitsSource } from './tenant-limits.js';

export interface TenantDatabaseOptions {
  /** A pool of connections logged in as the app role. */
  readonly pool: SqlPool;
  /**
   * `enforce` (default): every statement is checked by the SQL guard before it is sent, and
   * refused with ISOLATION_STATEMENT_REFUSED if it could weaken isolation. `off`: no check
   * (measurement, or SQL that never comes from outside your code).
   */
  readonly sqlGuard?: 'enforce' | 'off';
  /**
   * Told the tenant and the duration of every statement and every transaction, after each
   * settled (metrics and traces: see `tenantry/observability`). Absent, nothing is measured.
   */
  readonly observer?: TenantDatabaseObserver | undefined;
  /**
   * Each tenant's limits (usually its plan's): statement, lock and idle-in-transaction timeouts
   * set in its own transaction, and its weight and connection cap for `admission`. Absent, every
   * tenant runs under the app role's settings. See docs/noisy-neighbours.md.
   */
  readonly limits?: TenantLimitsSource | undefined;
  /**
   * A fair queue in front of the pool (`createFairAdmission`): a scope takes its turn before it
   * takes a connection, and gives it back with the connection. Absent, callers queue in the
   * pool's own order (first come, first served), so one tenant can hold every connection.
   * One admission serves every pool `route` sends tenants to, with its one capacity.
   */
  readonly admission?: FairAdmission | undefined;
  /**
   * Routes each tenant to its tier's pool and schema (schema and database tiers). Absent, every
   * tenant is pooled on `pool`, and nothing is looked up per call.
   */
  readonly route?: TenantRouter;
}

/**
 * Where one tenant's statements go: the pool of its target, and for a schema-tier tenant its
 * schema (quoted), which the gate makes the transaction's search_path.
 */
export interface TenantRoute {
  readonly pool: SqlPool;
  readonly searchPath?: string;
  /** Called when the withTenant call that got this route has ended (a held pool may then be closed). */
  readonly release?: () => void;
}

/**
 * Finds a tenant's route (the placement directory's `route`, see `tenantry/placement`). Called
 * once per withTenant/transaction, before a connection is taken; it should answer from memory.
 */
export type TenantRouter = (tenantId: TenantId) => TenantRoute | Promise<TenantRoute>;

export interface WithTenantOptions {
  /** `active` (default): only an active tenant enters. `offboarding`: also one being offboarded (purges). */
  readonly admit?: AdmitMode;
}

export interface TenantDatabase {
  /**
   * Runs `fn` for `tenantId`, with the tenant also put in the tenant context. Every statement
   * sent through the scope runs as the app role with the tenant set for that statement alone
   * (its own implicit transaction), in one round trip; use `scope.transaction()` (or
   * {@link TenantDatabase.transaction}) where statements must commit together. An unknown,
   * suspended or deleted tenant gets no statement run: the first one throws TENANT_NOT_FOUND
   * or TENANT_SUSPENDED.
   *
   * @example
   * const { rows } = await db.withTenant(tenantId, (scope) => scope.query('SELECT * FROM notes'));
   */
  withTenant<T>(tenantId: TenantId | string, fn: (scope: TenantScope) => Promise<T>, options?: WithTenantOptions): Promise<T>;
  /**
   * Runs `fn` as one transaction for `tenantId`: committed when it resolves, rolled back when it
   * throws or when one of its statements failed.
   *
   * @example
   * await db.transaction(tenantId, async (tx) => {
   *   const { rows: [order] } = await tx.query('INSERT INTO orders DEFAULT VALUES RETURNING id');
   *   await tx.query('INSERT INTO order_lines (order_id, sku) VALUES ($1, $2)', [order.id, sku]);
   * });
   */
  transaction<T>(tenantId: TenantId | string, fn: (tx: TenantTransaction) => Promise<T>, options?: WithTenantOptions): Promise<T>;
  /** {@link TenantDatabase.withTenant} for the tenant in context; throws TENANT_CONTEXT_MISSING without one. */
  withCurrentTenant<T>(fn: (scope: TenantScope) => Promise<T>, options?: WithTenantOptions): Promise<T>;
  /** {@link TenantDatabase.transaction} for the tenant in context; throws TENANT_CONTEXT_MISSING without one. */
  currentTenantTransaction<T>(fn: (tx: TenantTransaction) => Promise<T>, options?: WithTenantOptions): Promise<T>;
}

/**
 * The tenant-scoped database over a pool of **app-role** connections (never the owner or a
 * superuser: they bypass row-level security).
 *
 * @example
 * const db = createTenantDatabase({ pool: pgPool({ connectionString: appUrl }) });
 */
export function createTenantDatabase(options: TenantDatabaseOptions): TenantDatabase {
  const { pool } = options;
  const guard = options.sqlGuard === 'off' ? undefined : createSqlGuard();
  const { observer, route } = options;
  const entry = options.limits === undefined && options.admission === undefined ? undefined : { limits: options.limits, admission: options.admission };

  async function withTenant<T>(rawTenantId: TenantId | string, fn: (scope: TenantScope) => Promise<T>, opts: WithTenantOptions = {}): Promise<T> {
    // Parse and capture the tenant before any connection is acquired (docs/isolation-rules.md
    // rule 13).
    const tenantId = parseTenantId(rawTenantId);
    return runWithTenant({ tenantId, resolvedBy: 'withTenant' }, async () => {
      // Without a router the pooled path is exactly as it was: no lookup, no extra await.
      const target = route === undefined ? undefined : await route(tenantId);
      const scope = new PooledTenantScope(tenantId, target?.pool ?? pool, opts.admit ?? 'active', guard, observer, target?.searchPath, entry);
      try {
        return await fn(scope);
      } finally {
        await scope.release();
        target?.release?.();
      }
    });
  }

  const transaction = <T>(tenantId: TenantId | string, fn: (tx: TenantTransaction) => Promise<T>, opts?: WithTenantOptions) =>
    withTenant(tenantId, (scope) => scope.transaction(fn), opts);

  return {
    withTenant,
    transaction,
    // async, so a missing context rejects the promise rather than throwing at the call.
    withCurrentTenant: async (fn, opts) => withTenant(requireTenant().tenantId, fn, opts),
    currentTenantTransaction: async (fn, opts) => transaction(requireTenant().tenantId, fn, opts),
  };
}
