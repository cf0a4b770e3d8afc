// The unguarded path for Tenantry's own capabilities (audit, crypto, purge): their constant SQL
// reads Tenantry's internal tables, which the SQL guard refuses to application code. Not part
// of the package's exports map, so applications cannot import it.
import type { SqlQueryable } from './sql-client.js';

const unguarded = new WeakMap<object, SqlQueryable>();

/** Called by a scope or transaction for itself when it is created. */
export function registerUnguarded(handle: object, queryable: SqlQueryable): void {
  unguarded.set(handle, queryable);
}

/**
 * The same scope or transaction, without the SQL guard: same connection, same tenant, same
 * transaction. For library code whose statements are constants.
 *
 * @example await unguardedQuery(tx).query('INSERT INTO tenantry.audit_events …', values);
 */
export function unguardedQuery(handle: object): SqlQueryable {
  const queryable = unguarded.get(handle);
  if (!queryable) throw new TypeError('not a tenant scope or transaction');
  return queryable;
}
