// A tenant scope: what withTenant's callback gets. Each statement sent through it is its own
// implicit transaction with the tenant set for it alone, in one round trip; `transaction()`
// groups statements atomically.
import type { TenantId } from '../core/index.js';
import { postgresErrors, toTenantryError } from './errors.js';
import { enterTenant, type AdmitMode } from './tenant-gate.js';
import { PooledTenantTransaction, type TenantTransaction } from './tenant-transaction.js';
import { RUN_UNGUARDED } from './internal.js';
import type { PreambleStatement, SqlConnection, SqlPool, SqlQueryable, SqlResult, TransactionStatus } from './sql-client.js';
import type { SqlGuard } from './sql-guard.js';
import { notify, type TenantDatabaseObserver } from './tenant-database-observer.js';
import type { AdmissionTicket, FairAdmission } from './fair-admission.js';
import { limitsPreamble, type TenantLimitsSource } from './tenant-limits.js';

/** What a scope does before it takes a connection: the tenant's limits and its fair turn. */
export interface ScopeEntry {
  readonly admission: FairAdmission | undefined;
  readonly limits: TenantLimitsSource | undefined;
}

/** The handle withTenant's callback gets. */
export interface TenantScope extends SqlQueryable {
  readonly tenantId: TenantId;
  /**
   * Runs `fn`'s statements as one transaction for this tenant: committed when `fn` resolves,
   * rolled back when it throws.
   *
   * @example
   * await scope.transaction(async (tx) => {
   *   await tx.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [amount, from]);
   *   await tx.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [amount, to]);
   * });
   */
  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T>;
}

export class PooledTenantScope implements TenantScope {
  #connection: Promise<SqlConnection> | undefined;
  #busy: 'transaction' | undefined;
  #closed = false;
  /** The tenant's timeouts, sent after the gate (undefined: the role's own). */
  #limits: PreambleStatement | undefined;
  #ticket: AdmissionTicket | undefined;

  constructor(
    readonly tenantId: TenantId,
    private readonly pool: SqlPool,
    private readonly admit: AdmitMode,
    private readonly guard: SqlGuard | undefined,
    private readonly observer: TenantDatabaseObserver | undefined = undefined,
    /** The schema-tier tenant's schema, quoted; undefined for pooled and database-tier tenants. */
    private readonly searchPath: string | undefined = undefined,
    private readonly entry: ScopeEntry | undefined = undefined,
  ) {}

  [RUN_UNGUARDED]<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    return this.#run<Row>(text, values);
  }

  /** The connection is taken from the pool at the first statement, not before: a callback that never queries holds none. */
  #acquire(): Promise<SqlConnection> {
    this.#connection ??= (this.entry === undefined ? this.pool.connect() : this.#enter(this.entry)).catch((err: unknown) => {
      this.#connection = undefined;
      throw toTenantryError(err);
    });
    return this.#connection;
  }

  /** The tenant's limits, then its turn at the pool (fair admission), then a connection. */
  async #enter({ admission, limits }: ScopeEntry): Promise<SqlConnection> {
    const own = limits === undefined ? undefined : await limits(this.tenantId);
    this.#limits = limitsPreamble(own);
    if (admission === undefined) return this.pool.connect();
    const ticket = await admission.enter(this.tenantId, own);
    try {
      const connection = await this.pool.connect();
      this.#ticket = ticket;
      return connection;
    } catch (err) {
      ticket.leave();
      throw err;
    }
  }

  #checkUsable(): void {
    if (this.#closed) throw postgresErrors.create('TRANSACTION_CLOSED');
    if (this.#busy) throw postgresErrors.create('TRANSACTION_IN_PROGRESS');
  }

  async query<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    this.#checkUsable();
    // Synchronous once the parser is loaded: the common case costs no extra await.
    if (this.guard) {
      if (this.guard.ready) this.guard.checkNow(text);
      else await this.guard.check(text);
    }
    return this.#run<Row>(text, values);
  }

  async #run<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    this.#checkUsable();
    const connection = await this.#acquire();
    // Every statement passes the gate: a tenant suspended or offboarded while the scope runs
    // gets no further statement, and the purge waits for the statements admitted before (migration 0012).
    const observe = this.observer?.onStatement;
    const started = observe === undefined ? 0 : performance.now();
    let result: SqlResult<Row>;
    try {
      const gate = enterTenant(this.tenantId, this.admit, this.searchPath);
      result = await connection.queryAfter<Row>(this.#limits === undefined ? [gate] : [gate, this.#limits], text, values);
    } catch (err) {
      const mapped = toTenantryError(err);
      if (observe !== undefined) notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, error: mapped, inTransaction: false });
      throw mapped;
    }
    // Before the observer: whatever it does, a transaction the statement opened is undone.
    if (connection.transactionStatus !== 'idle') {
      // The statement opened a transaction (BEGIN sent as SQL): the tenant setting would
      // outlive it and later statements would join it. Undo it now and refuse.
      await this.#rollBack(connection);
      throw postgresErrors.create('TRANSACTION_CONTROL_REFUSED');
    }
    if (observe !== undefined) notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, error: undefined, inTransaction: false });
    return result;
  }

  async #rollBack(connection: SqlConnection): Promise<void> {
    try {
      await connection.query('ROLLBACK');
    } catch {
      // release() destroys a connection that is still not idle.
    }
  }

  async transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    this.#checkUsable();
    // Busy before the first await, so a concurrent scope.query cannot slip into the transaction.
    this.#busy = 'transaction';
    const observe = this.observer?.onTransaction;
    if (observe === undefined) return this.#transaction(fn);
    const started = performance.now();
    let result: T;
    try {
      result = await this.#transaction(fn);
    } catch (err) {
      notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, outcome: 'rollback', error: err });
      throw err;
    }
    notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, outcome: 'commit', error: undefined });
    return result;
  }

  async #transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    let connection: SqlConnection;
    try {
      connection = await this.#acquire();
    } catch (err) {
      this.#busy = undefined;
      throw err;
    }
    const tx = new PooledTenantTransaction(this.tenantId, connection, this.admit, this.guard, this.observer, this.searchPath, this.#limits);
    try {
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        await tx.end('rollback');
        throw err;
      }
      await tx.end('commit');
      return result;
    } finally {
      this.#busy = undefined;
    }
  }

  /**
   * Returns the connection to the pool, clean: if a transaction is still open or failed
   * (a callback that threw mid-transaction, a BEGIN sent as SQL) it is rolled back first, and
   * if even that fails the connection is destroyed instead of handed to the next tenant.
   */
  async release(): Promise<void> {
    try {
      await this.#giveBack();
    } finally {
      // After the connection is back (or destroyed): the next tenant's turn starts then.
      this.#ticket?.leave();
      this.#ticket = undefined;
    }
  }

  async #giveBack(): Promise<void> {
    this.#closed = true;
    if (!this.#connection) return;
    const connection = await this.#connection.catch(() => undefined);
    if (!connection) return;
    if (connection.transactionStatus === 'idle') {
      connection.release();
      return;
    }
    try {
      await connection.query('ROLLBACK');
      // Re-read after the await: the getter reflects the ROLLBACK's ReadyForQuery.
      if ((connection.transactionStatus as TransactionStatus) !== 'idle') throw new Error('connection still in a transaction after ROLLBACK');
      connection.release();
    } catch (err) {
      connection.release(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
