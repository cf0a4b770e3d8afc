// The `pg` (node-postgres) driver: wraps a pg.Pool as a SqlPool. Statements go out with their
// preamble (tenant gate, BEGIN) in one pipelined write, and parameterized statements are
// prepared once per connection.
import pg from 'pg';
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
}

const STATUS: Record<string, TransactionStatus> = { I: 'idle', T: 'in-transaction', E: 'failed' };

/** What the driver keeps per pg client for its whole life (per checkout would pile up listeners). */
interface ClientState {
  status: TransactionStatus;
  readonly statements: StatementCache | undefined;
}
const stateOf = new WeakMap<pg.PoolClient, ClientState>();

function clientState(client: pg.PoolClient, options: Required<PgPoolOptions>): ClientState {
  let state = stateOf.get(client);
  if (!state) {
    const created: ClientState = {
      status: 'idle',
      statements: options.preparedStatements === 'auto' ? new StatementCache(options.maxPreparedStatements) : undefined,
    };
    // ReadyForQuery carries the transaction status: tracking it costs no round trip.
    const connection = (client as unknown as { connection: { on(event: 'readyForQuery', fn: (msg: { status: string }) => void): void } }).connection;
    connection.on('readyForQuery', (msg) => {
      created.status = STATUS[msg.status] ?? 'failed';
    });
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

  constructor(private readonly client: pg.PoolClient, options: Required<PgPoolOptions>) {
    this.#state = clientState(client, options);
  }

  get transactionStatus(): TransactionStatus {
    return this.#state.status;
  }

  query<Row>(text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return this.queryAfter<Row>([], text, values);
  }

  async queryAfter<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    try {
      return await this.#send<Row>(preamble, text, values);
    } catch (err) {
      // Outside a transaction nothing of the failed pipeline remains: prepare and run it again.
      if (!isStalePlan(err) || this.#state.status !== 'idle') throw err;
      this.#state.statements?.forget(text);
      return this.#send<Row>(preamble, text, values);
    }
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
    this.client.release(destroyBecause ?? false);
  }
}

/**
 * Wraps a `pg.Pool` (or pool options) as a {@link SqlPool}. The pool stays the caller's to
 * configure; Tenantry only checks connections out and back in.
 *
 * @example
 * const app = pgPool(new pg.Pool({ connectionString: appUrl, max: 10 }));
 */
export function pgPool(poolOrConfig: pg.Pool | pg.PoolConfig, options: PgPoolOptions = {}): SqlPool {
  const resolved: Required<PgPoolOptions> = {
    preparedStatements: options.preparedStatements ?? 'auto',
    maxPreparedStatements: options.maxPreparedStatements ?? 256,
  };
  const pool = poolOrConfig instanceof pg.Pool ? poolOrConfig : new pg.Pool(poolOrConfig);
  // An idle client can error (server restart, idle timeout); without a listener that error
  // would crash the process. pg then removes the client from the pool by itself.
  pool.on('error', () => {});
  const connect = async () => new PgConnection(await pool.connect(), resolved);
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
    // of whichever request released the connection (ISOLATION.md rule 13).
    connect,
    end: () => pool.end(),
    stats: () => ({ totalCount: pool.totalCount, idleCount: pool.idleCount, waitingCount: pool.waitingCount }),
  };
}
