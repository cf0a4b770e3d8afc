// The observer hook of a tenant database: told what ran for which tenant and how long it took,
// after the fact, so metrics and traces need no wrapper around the pool. Absent, it costs one
// property check per statement.
import type { TenantId } from '../core/index.js';

/** One statement sent for a tenant (in a scope, where it is its own transaction, or inside one). */
export interface TenantStatementEvent {
  readonly tenantId: TenantId;
  /** From just before the statement was sent (after the SQL guard) until its result or error. */
  readonly durationMs: number;
  /** The error it failed with (already a TenantryError), or undefined. */
  readonly error: unknown;
  /** True inside `transaction()`; false for a scope statement, which is an implicit transaction. */
  readonly inTransaction: boolean;
}

/** One explicit transaction (`db.transaction`, `scope.transaction`), after COMMIT or ROLLBACK. */
export interface TenantTransactionEvent {
  readonly tenantId: TenantId;
  /** From the call until the transaction ended (connection checkout included). */
  readonly durationMs: number;
  readonly outcome: 'commit' | 'rollback';
  /** Why it rolled back or failed to commit, or undefined. */
  readonly error: unknown;
}

/**
 * Both callbacks run synchronously in the caller's async context (the request's), after the
 * work settled; they must not throw and should be cheap.
 *
 * @example
 * const db = createTenantDatabase({ pool, observer: { onStatement: (e) => dbTime.inc(e.durationMs / 1000) } });
 */
export interface TenantDatabaseObserver {
  readonly onStatement?: (event: TenantStatementEvent) => void;
  readonly onTransaction?: (event: TenantTransactionEvent) => void;
}

/**
 * Calls an observer callback, swallowing what it throws: metrics or tracing must never change
 * the outcome of a tenant's statement, nor skip the cleanup that follows it. Callers check for
 * an observer first, so a database without one builds no event per statement.
 *
 * @example if (observe !== undefined) notify(observe, { tenantId, durationMs, error: undefined, inTransaction: false });
 */
export function notify<E>(callback: (event: E) => void, event: E): void {
  try {
    callback(event);
  } catch {
    // The observer's own bug; the data path goes on.
  }
}
