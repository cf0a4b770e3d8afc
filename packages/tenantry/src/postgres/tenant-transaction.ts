// withTenant: runs a function's statements as the app role, in one transaction, with the
// tenant setting in force for exactly those statements.
import { parseTenantId, requireTenant, runWithTenant, type TenantId } from '../core/index.js';
import { postgresErrors, toTenantryError } from './errors.js';
import type { PreambleStatement, SqlConnection, SqlPool, SqlQueryable, SqlResult } from './sql-client.js';

/** Which tenants may enter: only active ones (default), or also those being offboarded (for the purge). */
export type AdmitMode = 'active' | 'offboarding';

export interface WithTenantOptions {
  readonly admit?: AdmitMode;
}

/** The handle `fn` gets inside withTenant: statements sent through it run for that tenant only. */
export interface TenantTransaction extends SqlQueryable {
  readonly tenantId: TenantId;
  /**
   * Runs `fn` inside a savepoint: if it throws, only its statements are rolled back and the
   * transaction can go on (without a savepoint, any failed statement dooms the transaction).
   *
   * @example
   * await tx.savepoint(() => tx.query('INSERT INTO tags (name) VALUES ($1)', [name])).catch(ignoreDuplicate);
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export interface TenantDatabase {
  /**
   * Runs `fn` in a transaction for `tenantId` on a pooled app-role connection, with `tenantId`
   * also put in the tenant context. Commits when `fn` resolves, rolls back when it throws (or
   * when any statement in it failed). A suspended, deleted or unknown tenant gets no
   * transaction: the first statement throws TENANT_SUSPENDED / TENANT_NOT_FOUND.
   *
   * @example
   * const notes = await db.withTenant(tenantId, (tx) => tx.query('SELECT * FROM notes'));
   */
  withTenant<T>(tenantId: TenantId | string, fn: (tx: TenantTransaction) => Promise<T>, options?: WithTenantOptions): Promise<T>;
  /** {@link withTenant} for the tenant in context; throws TENANT_CONTEXT_MISSING without one. */
  withCurrentTenant<T>(fn: (tx: TenantTransaction) => Promise<T>, options?: WithTenantOptions): Promise<T>;
}

// Sent in the same write as the transaction's first statement: one round trip opens the
// transaction, sets the tenant (transaction-local) and checks that it may work, then runs
// the statement. Measured in bench/isolation; see docs/isolation.md for the alternatives.
const BEGIN: PreambleStatement = { name: 'tenantry_begin', text: 'BEGIN', values: [] };
const gate = (tenantId: TenantId, admit: AdmitMode): PreambleStatement => ({
  name: 'tenantry_enter_tenant',
  text: 'SELECT tenantry.enter_tenant($1::uuid, $2::text)',
  values: [tenantId, admit === 'offboarding' ? 'offboarding' : 'work'],
});

class PooledTenantTransaction implements TenantTransaction {
  #state: 'idle' | 'open' | 'closed' = 'idle';
  #failure: unknown = undefined;
  #savepoints = 0;

  constructor(
    readonly tenantId: TenantId,
    private readonly connection: SqlConnection,
    private readonly admit: AdmitMode,
  ) {}

  get began(): boolean {
    return this.#state !== 'idle';
  }

  get failure(): unknown {
    return this.#failure;
  }

  async query<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    if (this.#state === 'closed') throw postgresErrors.create('TRANSACTION_CLOSED');
    try {
      if (this.#state === 'idle') {
        this.#state = 'open';
        return await this.connection.queryAfter<Row>([BEGIN, gate(this.tenantId, this.admit)], text, values);
      }
      return await this.connection.query<Row>(text, values);
    } catch (err) {
      const mapped = toTenantryError(err);
      this.#failure ??= mapped;
      throw mapped;
    }
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `tenantry_savepoint_${++this.#savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    const failureBefore = this.#failure;
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      this.#failure = failureBefore;
      throw err;
    }
    await this.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  }

  close(): void {
    this.#state = 'closed';
  }
}

async function finish(tx: PooledTenantTransaction, connection: SqlConnection, outcome: 'commit' | 'rollback'): Promise<void> {
  tx.close();
  if (!tx.began) {
    connection.release();
    return;
  }
  try {
    await connection.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    connection.release();
  } catch (err) {
    // The connection's state is unknown: destroy it rather than hand it to the next tenant.
    connection.release(err instanceof Error ? err : new Error(String(err)));
    if (outcome === 'commit') throw toTenantryError(err);
  }
}

/**
 * Creates the tenant-scoped database handle over a pool of **app-role** connections (never the
 * owner or a superuser: they bypass row-level security).
 *
 * @example
 * const db = createTenantDatabase({ pool: pgPool({ connectionString: appUrl }) });
 * await db.withTenant(tenantId, (tx) => tx.query('INSERT INTO notes (body) VALUES ($1)', ['hi']));
 */
export function createTenantDatabase(options: { pool: SqlPool }): TenantDatabase {
  const { pool } = options;

  async function withTenant<T>(rawTenantId: TenantId | string, fn: (tx: TenantTransaction) => Promise<T>, opts: WithTenantOptions = {}): Promise<T> {
    // Parse and capture the tenant before a connection is acquired (ISOLATION.md rule 13).
    const tenantId = parseTenantId(rawTenantId);
    const admit = opts.admit ?? 'active';
    return runWithTenant({ tenantId, resolvedBy: 'withTenant' }, async () => {
      let connection: SqlConnection;
      try {
        connection = await pool.connect();
      } catch (err) {
        throw toTenantryError(err);
      }
      const tx = new PooledTenantTransaction(tenantId, connection, admit);
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        await finish(tx, connection, 'rollback');
        throw err;
      }
      if (tx.failure !== undefined) {
        // A statement failed and fn carried on: PostgreSQL would answer COMMIT with a silent
        // ROLLBACK, so say so instead of reporting success.
        await finish(tx, connection, 'rollback');
        throw tx.failure;
      }
      await finish(tx, connection, 'commit');
      return result;
    });
  }

  return {
    withTenant,
    withCurrentTenant: (fn, opts) => withTenant(requireTenant().tenantId, fn, opts),
  };
}

