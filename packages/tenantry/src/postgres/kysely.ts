// tenantry/postgres/kysely: Kysely (an optional peer) on Tenantry's tenant transactions. The
// Kysely a callback gets runs every query it builds on one tenant transaction of the tenant
// database: entered through the tenant gate (a suspended tenant is refused before anything
// runs), checked by the SQL guard, and committed or rolled back as one. Only the driver is
// Tenantry's; the PostgreSQL dialect (compiler, adapter, introspector) is Kysely's own.
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import { requireTenant, type TenantId } from '../core/index.js';
import { postgresErrors } from './errors.js';
import type { TenantDatabase, WithTenantOptions } from './tenant-database.js';
import type { TenantTransaction } from './tenant-transaction.js';

/** Statements whose affected-row count Kysely reports (as its own PostgreSQL driver does). */
const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

class TenantTransactionConnection implements DatabaseConnection {
  constructor(private readonly tx: TenantTransaction) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.tx.query<R>(compiled.sql, compiled.parameters);
    if (WRITES.has(compiled.query.kind) && result.rowCount !== null) return { rows: result.rows, numAffectedRows: BigInt(result.rowCount) };
    return { rows: result.rows };
  }

  // eslint-disable-next-line require-yield -- a generator only to satisfy the interface; it refuses before yielding
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw postgresErrors.create('ISOLATION_STATEMENT_REFUSED', { details: { reason: 'streaming (a server-side cursor) is not supported on a tenant transaction; page with LIMIT/OFFSET or keyset' } });
  }
}

/** A driver with one connection: the tenant transaction. Its own transaction control is refused. */
class TenantTransactionDriver implements Driver {
  readonly #connection: TenantTransactionConnection;
  constructor(tx: TenantTransaction) {
    this.#connection = new TenantTransactionConnection(tx);
  }
  init = () => Promise.resolve();
  acquireConnection = () => Promise.resolve(this.#connection);
  // The callback already runs in the tenant's transaction: BEGIN/COMMIT here would end it early
  // (and the SQL guard refuses them anyway). Say so plainly instead.
  beginTransaction = () => Promise.reject(postgresErrors.create('ISOLATION_STATEMENT_REFUSED', { details: { reason: 'the Kysely of withTenant already runs in the tenant\'s transaction: use it directly (kyselyOn(tx) with tx.savepoint for a part that may fail)' } }));
  commitTransaction = () => Promise.resolve();
  rollbackTransaction = () => Promise.resolve();
  releaseConnection = () => Promise.resolve();
  destroy = () => Promise.resolve();
}

/**
 * A Kysely whose every query runs on `tx`. Prefer {@link createTenantKysely}; this is for code
 * that already holds a tenant transaction (a quota check beside the query, a savepoint).
 *
 * @example await db.transaction(tenantId, (tx) => kyselyOn<DB>(tx).selectFrom('notes').selectAll().execute());
 */
export function kyselyOn<DB>(tx: TenantTransaction): Kysely<DB> {
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new TenantTransactionDriver(tx),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  return new Kysely<DB>({ dialect });
}

export interface TenantKysely<DB> {
  /** Runs `fn` in one transaction of `tenantId`: committed when it resolves, rolled back when it throws. */
  withTenant<T>(tenantId: TenantId | string, fn: (trx: Kysely<DB>) => Promise<T>, options?: WithTenantOptions): Promise<T>;
  /** The same for the tenant in the async context (TENANT_CONTEXT_MISSING without one). */
  withCurrentTenant<T>(fn: (trx: Kysely<DB>) => Promise<T>, options?: WithTenantOptions): Promise<T>;
}

/**
 * Kysely through Tenantry's tenant database. There is no Kysely outside a tenant: every query
 * is built inside `withTenant`, so none can run without the tenant set.
 *
 * @example
 * const db = createTenantKysely<Database>(tenantDatabase);
 * const notes = await db.withTenant(tenantId, (trx) => trx.selectFrom('notes').selectAll().execute());
 */
export function createTenantKysely<DB>(database: Pick<TenantDatabase, 'transaction'>): TenantKysely<DB> {
  const withTenant = <T>(tenantId: TenantId | string, fn: (trx: Kysely<DB>) => Promise<T>, options?: WithTenantOptions): Promise<T> =>
    database.transaction(tenantId, (tx) => fn(kyselyOn<DB>(tx)), options);
  return {
    withTenant,
    withCurrentTenant: (fn, options) => withTenant(requireTenant().tenantId, fn, options),
  };
}
