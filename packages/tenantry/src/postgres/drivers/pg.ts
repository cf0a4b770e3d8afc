// The `pg` (node-postgres) driver: wraps a pg.Pool as a SqlPool. Statements go out with their
// preamble (tenant gate, BEGIN) in one pipelined write, and parameterized statements are
// prepared once per connection.
import pg from 'pg';
import { connectWithinDeadline, remainingDeadline } from '../database-deadline.js';
import { postgresErrors } from '../errors.js';
import type { PreambleStatement, SqlConnection, SqlPool, SqlResult, TransactionStatus } from '../sql-client.js';
import { PipelinedQuery } from './pg-pipelined-query.js';
import { StatementCache } from './pg-statement-cache.js';

export interface PgPoolOptions {
  /**
   * `auto` (default): parameterized statements, and Tenantry's own preamble (`BEGIN`, the
   * tenant gate), are prepared once per connection under a name and reused (like postgres.js
   * and pgjdbc do); also right through PgBouncer ≥ 1.21 with `max_prepared_statements` set.
   * `off`: nothing is named — every statement, the preamble included, is an unnamed statement
   * parsed and planned in the pipeline that runs it, so nothing is left on the server
   * connection: for poolers in transaction mode that do not track prepared statements
   * (PgBouncer < 1.21, or ≥ 1.21 without `max_prepared_statements`).
   */
  readonly preparedStatements?: 'auto' | 'off';
  /** Prepared statements kept per connection before the least recently used is closed. Default 256. */
  readonly maxPreparedStatements?: number;
  /**
   * Client-side deadline of one statement when no `withDatabaseDeadline` is in force (the sooner
   * of the two applies inside one). Past it the statement is abandoned, its connection closed
   * and destroyed, and DATABASE_TIMEOUT thrown: the server's own `statement_timeout` cannot help
   * when the server is frozen or the network is gone. Default: none (only the context deadline).
   */
  readonly statementTimeoutMs?: number;
}

type ResolvedPgPoolOptions = Required<Omit<PgPoolOptions, 'statementTimeoutMs'>> & { readonly statementTimeoutMs: number | undefined };

const STATUS: Record<string, TransactionStatus> = { I: 'idle', T: 'in-transaction', E: 'failed' };

/** What the driver keeps per pg client for its whole life (per checkout would pile up listeners). */
interface ClientState {
  status: TransactionStatus;
  readonly statements: StatementCache | undefined;
  /** Set when a statement was abandoned at its deadline: the connection is closed, nothing more is sent. */
  abandoned: Error | undefined;
  /** ReadyForQuery messages seen so far, and who waits for the next one (see statusSettled). */
  ready: number;
  readonly waitingForReady: (() => void)[];
}
const stateOf = new WeakMap<pg.PoolClient, ClientState>();

function clientState(client: pg.PoolClient, options: ResolvedPgPoolOptions): ClientState {
  let state = stateOf.get(client);
  if (!state) {
    const created: ClientState = {
      status: 'idle',
      abandoned: undefined,
      ready: 0,
      waitingForReady: [],
      statements: options.preparedStatements === 'auto' ? new StatementCache(options.maxPreparedStatements) : undefined,
    };
    // ReadyForQuery carries the transaction status: tracking it costs no round trip.
    const connection = (client as unknown as { connection: { on(event: 'readyForQuery', fn: (msg: { status: string }) => void): void } }).connection;
    const wakeWaiters = () => { for (const wake of created.waitingForReady.splice(0)) wake(); };
    connection.on('readyForQuery', (msg) => {
      created.status = STATUS[msg.status] ?? 'failed';
      created.ready += 1;
      wakeWaiters();
    });
    // No ReadyForQuery comes from a closed connection: nobody may wait for one.
    (connection as unknown as { on(event: 'end', fn: () => void): void }).on('end', wakeWaiters);
    // pg-pool listens for 'error' only while the client is idle in the pool. A backend that
    // dies while the client is checked out (a tenant scope holds it between statements; a
    // restart, pg_terminate_backend, a reset socket) emits 'error' with nobody listening, and
    // Node exits. Listening for the client's whole life covers every checkout: the next
    // statement then fails with "not queryable" (mapped to DATABASE_UNAVAILABLE) and pg-pool
    // destroys the client on release.
    client.on('error', wakeWaiters);
    stateOf.set(client, created);
    state = created;
  }
  return state;
}

// PostgreSQL refuses to reuse a plan whose result columns changed (ALTER TABLE under a
// `SELECT *`); the statement must be prepared again.
const isStalePlan = (err: unknown) => (err as { code?: string }).code === '0A000' && /cached plan must not change result type/.test((err as Error).message);

class PgConnection implements SqlConnection {
  readonly #state: ClientState;

  constructor(private readonly client: pg.PoolClient, private readonly options: ResolvedPgPoolOptions) {
    this.#state = clientState(client, options);
  }

  get transactionStatus(): TransactionStatus {
    return this.#state.status;
  }

  query<Row>(text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return this.queryAfter<Row>([], text, values);
  }

  queryAfter<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    const abandoned = this.#state.abandoned;
    if (abandoned !== undefined) return Promise.reject(postgresErrors.create('DATABASE_UNAVAILABLE', { cause: abandoned }));
    const context = remainingDeadline();
    const own = this.options.statementTimeoutMs;
    const limitMs = context === undefined ? own : own === undefined ? context.remainingMs : Math.min(own, context.remainingMs);
    if (limitMs === undefined) return this.#queryAfter<Row>(preamble, text, values);
    // The deadline that binds, as configured: the pool's own or the context's full length.
    const deadlineMs = own !== undefined && (context === undefined || own <= context.remainingMs) ? own : context?.deadlineMs ?? limitMs;
    if (limitMs <= 0) return Promise.reject(postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs } }));
    return new Promise<SqlResult<Row>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const timeout = postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs } });
        // The server may be frozen, or busy with the statement: nothing later on this connection
        // can be trusted to answer in time. Closing the socket fails whatever pg has queued on
        // it, and release() destroys the client (the server ends the statement by its own
        // statement_timeout, or when it notices the closed socket).
        this.#state.abandoned = timeout;
        (this.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        reject(timeout);
      }, limitMs);
      this.#queryAfter<Row>(preamble, text, values).then(
        (result) => { clearTimeout(timer); resolve(result); },
        (err: Error) => { clearTimeout(timer); reject(err); },
      );
    });
  }

  async #queryAfter<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[]): Promise<SqlResult<Row>> {
    const readyBefore = this.#state.ready;
    try {
      return await this.#send<Row>(preamble, text, values);
    } catch (err) {
      await this.#statusSettled(readyBefore, err);
      // Outside a transaction nothing of the failed pipeline remains: prepare and run it again.
      if (!isStalePlan(err) || this.#state.status !== 'idle') throw err;
      this.#state.statements?.forget(text);
      return this.#send<Row>(preamble, text, values);
    }
  }

  /**
   * pg rejects a statement at the server's ErrorResponse, before the ReadyForQuery that follows
   * it and carries the new transaction status; under load that message comes in a later read.
   * Waiting for it keeps `transactionStatus` true when the caller looks right after a failure
   * (a failed transaction must never look idle and go back to the pool as clean). Found by the
   * SqlClient conformance suite (tests/conformance/sql-client.test.ts).
   */
  #statusSettled(readyBefore: number, err: unknown): Promise<void> {
    const fromServer = typeof (err as { severity?: unknown } | null)?.severity === 'string';
    if (!fromServer || this.#state.ready > readyBefore || this.#state.abandoned !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#state.waitingForReady.push(resolve));
  }

  #send<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[]): Promise<SqlResult<Row>> {
    const statements = this.#state.statements;
    // Statements without parameters are mostly DDL and one-offs: not worth a cache slot.
    const name = statements && values.length > 0 ? statements.nameFor(text) : undefined;
    const closings = statements?.drainClosings() ?? [];
    if (preamble.length === 0 && closings.length === 0 && name === undefined && values.length === 0) {
      return this.client.query(text).then((r) => ({ rows: r.rows as Row[], rowCount: r.rowCount }));
    }
    return new Promise((resolve, reject) => {
      const config: pg.QueryConfig = name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] };
      const query = new PipelinedQuery(preamble, closings, config, (err, result) => {
        if (err) {
          if (name !== undefined && isStalePlan(err)) statements?.forget(text);
          reject(err);
        } else resolve({ rows: (result as pg.QueryResult).rows as Row[], rowCount: (result as pg.QueryResult).rowCount });
      }, statements !== undefined);
      void this.client.query(query as unknown as pg.QueryConfig);
    });
  }

  release(destroyBecause?: Error): void {
    this.client.release(destroyBecause ?? this.#state.abandoned ?? false);
  }
}

/**
 * A client of `pool`, waiting no longer than the deadline in context (the pool's own
 * `connectionTimeoutMillis` bounds the wait outside one). A client the pool hands over after the
 * caller gave up goes straight back.
 */
function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
  return connectWithinDeadline(() => pool.connect(), (client) => client.release());
}

/**
 * Wraps a `pg.Pool` (or pool options) as a {@link SqlPool}. The pool stays the caller's to
 * configure; Tenantry only checks connections out and back in.
 *
 * @example
 * const app = pgPool(new pg.Pool({ connectionString: appUrl, max: 10 }));
 */
export function pgPool(poolOrConfig: pg.Pool | pg.PoolConfig, options: PgPoolOptions = {}): SqlPool {
  const resolved: ResolvedPgPoolOptions = {
    preparedStatements: options.preparedStatements ?? 'auto',
    maxPreparedStatements: options.maxPreparedStatements ?? 256,
    statementTimeoutMs: options.statementTimeoutMs,
  };
  const pool = poolOrConfig instanceof pg.Pool ? poolOrConfig : new pg.Pool(poolOrConfig);
  // An idle client can error (server restart, idle timeout); without a listener that error
  // would crash the process. pg then removes the client from the pool by itself.
  pool.on('error', () => {});
  // And every client listens for its whole life from the moment it connects, whoever checks it
  // out (a checkout whose waiter gave up, pg-pool's own query), not only once this wrapper has
  // seen it: a dropped connection is then an error of the next statement, never a crash.
  pool.on('connect', (client) => client.on('error', () => {}));
  const connect = async () => new PgConnection(await acquire(pool), resolved);
  return {
    async query<Row>(text: string, values?: readonly unknown[]) {
      const connection = await connect();
      try {
        const result = await connection.query<Row>(text, values);
        connection.release();
        return result;
      } catch (err) {
        connection.release(connection.transactionStatus === 'idle' ? undefined : (err as Error));
        throw err;
      }
    },
    // Always the promise form: under a full pool the callback form runs in the async context
    // of whichever request released the connection (docs/isolation-rules.md rule 13).
    connect,
    end: () => pool.end(),
    stats: () => ({ totalCount: pool.totalCount, idleCount: pool.idleCount, waitingCount: pool.waitingCount }),
  };
}
