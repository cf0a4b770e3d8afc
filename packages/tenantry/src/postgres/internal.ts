// The unguarded path for Tenantry's own capabilities (audit, crypto, purge): their constant SQL
// reads Tenantry's internal tables, which the SQL guard refuses to application code. Not part
// of the package's exports map, so applications cannot import it.
import type { SqlQueryable, SqlResult } from './sql-client.js';

/** The method, under a symbol, by which a scope or transaction runs a statement without the guard. */
export const RUN_UNGUARDED: unique symbol = Symbol('tenantry.runUnguarded');

interface Unguardable {
  [RUN_UNGUARDED]<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>>;
}

/**
 * The same scope or transaction, without the SQL guard: same connection, same tenant, same
 * transaction. For library code whose statements are constants.
 *
 * @example await unguardedQuery(tx).query('INSERT INTO tenantry.audit_events …', values);
 */
export function unguardedQuery(handle: object): SqlQueryable {
  if (typeof (handle as Partial<Unguardable>)[RUN_UNGUARDED] !== 'function') throw new TypeError('not a tenant scope or transaction');
  const target = handle as Unguardable;
  return { query: (text, values) => target[RUN_UNGUARDED](text, values) };
}

// Used by the placement capability: isolate a schema-tier tenant's tables inside the
// transaction of the migration that made them, with the same checks as isolateTable.
export { isolateTableOn } from './isolate-table.js';
// Placement applies the application's migrations per schema and per database with the same
// placeholders (`{{app}}` …) and checksums as migrate().
export { renderMigration } from './migrations.js';
/** Tenantry's gate statement, for stores that keep tenant tables in Tenantry's database (stores/pgvector). */
export { enterTenant } from './tenant-gate.js';
