// A tenant transaction: BEGIN … COMMIT on one app-role connection, the tenant set
// transaction-locally by the first statement's preamble.
import type { TenantId } from '../core/index.js';
import { postgresErrors, toTenantryError } from './errors.js';
import { BEGIN, enterTenant, type AdmitMode } from './tenant-gate.js';
import { RUN_UNGUARDED } from './internal.js';
import type { PreambleStatement, SqlConnection, SqlQueryable, SqlResult } from './sql-client.js';
import type { SqlGuard } from './sql-guard.js';
import { notify, type TenantDatabaseObserver } from './tenant-database-observer.js';

/** The handle of an atomic unit of work for one tenant. */
export interface TenantTransaction extends SqlQueryable {
  readonly tenantId: TenantId;
  /**
   * Runs `fn` inside a savepoint: if it throws, only its statements are rolled back and the
   * transaction can go on (without one, any failed statement dooms the whole transaction).
   *
   * @example
   * await tx.savepoint(() => tx.query('INSERT INTO tags (name) VALUES ($1)', [name])).catch(skipDuplicate);
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export class PooledTenantTransaction implements TenantTransaction {
  #state: 'idle' | 'open' | 'closed' = 'idle';
  #failure: unknown = undefined;
  #savepoints = 0;

  constructor(
    readonly tenantId: TenantId,
    private readonly connection: SqlConnection,
    private readonly admit: AdmitMode,
    private readonly guard: SqlGuard | undefined,
    private readonly observer: TenantDatabaseObserver | undefined = undefined,
    private readonly searchPath: string | undefined = undefined,
    /** The tenant's timeouts (tenant-limits.ts), set after the gate; undefined keeps the role's. */
    private readonly limits: PreambleStatement | undefined = undefined,
  ) {}

  [RUN_UNGUARDED]<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    return this.#run<Row>(text, values);
  }

  async query<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    if (this.#state === 'closed') throw postgresErrors.create('TRANSACTION_CLOSED');
    // A refused statement is not sent, so it does not doom the transaction.
    // Synchronous once the parser is loaded: the common case costs no extra await.
    if (this.guard) {
      if (this.guard.ready) this.guard.checkNow(text);
      else await this.guard.check(text);
    }
    return this.#run<Row>(text, values);
  }

  async #run<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    if (this.#state === 'closed') throw postgresErrors.create('TRANSACTION_CLOSED');
    const observe = this.observer?.onStatement;
    const started = observe === undefined ? 0 : performance.now();
    let result: SqlResult<Row>;
    try {
      if (this.#state === 'idle') {
        // BEGIN, the tenant gate and the first statement go out in one write. The transaction
        // is open only once they were sent: a statement refused before sending (a deadline
        // already passed) must leave it idle, or the next one would go out without BEGIN and
        // gate and run in autocommit.
        try {
          const gate = enterTenant(this.tenantId, this.admit, this.searchPath);
          result = await this.connection.queryAfter<Row>(this.limits === undefined ? [BEGIN, gate] : [BEGIN, gate, this.limits], text, values);
        } finally {
          if (this.connection.transactionStatus !== 'idle') this.#state = 'open';
        }
      } else {
        result = await this.connection.query<Row>(text, values);
      }
    } catch (err) {
      const mapped = toTenantryError(err);
      this.#failure ??= mapped;
      if (observe !== undefined) notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, error: mapped, inTransaction: true });
      throw mapped;
    }
    if (observe !== undefined) notify(observe, { tenantId: this.tenantId, durationMs: performance.now() - started, error: undefined, inTransaction: true });
    return result;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `tenantry_savepoint_${++this.#savepoints}`;
    await this.#run(`SAVEPOINT ${name}`);
    const failureBefore = this.#failure;
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await this.#run(`ROLLBACK TO SAVEPOINT ${name}`);
      this.#failure = failureBefore;
      throw err;
    }
    await this.#run(`RELEASE SAVEPOINT ${name}`);
    return result;
  }

  /**
   * Ends the transaction: COMMIT when `fn` succeeded and no statement failed, else ROLLBACK.
   * A statement that failed while `fn` carried on makes the outcome a rollback *and* an
   * error: PostgreSQL answers COMMIT of a failed transaction with a silent ROLLBACK, and
   * reporting success then would lose writes without a word.
   */
  async end(outcome: 'commit' | 'rollback'): Promise<void> {
    const began = this.#state === 'open';
    this.#state = 'closed';
    const failed = this.#failure !== undefined;
    if (!began) {
      // Nothing reached the server, but a statement failed: committing is still an error.
      if (outcome === 'commit' && failed) throw this.#failure;
      return;
    }
    try {
      await this.connection.query(outcome === 'commit' && !failed ? 'COMMIT' : 'ROLLBACK');
    } catch (err) {
      if (outcome === 'commit') throw toTenantryError(err);
      return; // the caller's own error matters more; the scope destroys the connection
    }
    if (outcome === 'commit' && failed) throw this.#failure;
  }
}
