// The `pg` (node-postgres) driver: wraps a pg.Pool as a SqlPool, and sends a statement with its
// preamble (tenant gate, BEGIN) as one pipelined write so a tenant-scoped statement costs one
// round trip, not three or four.
import pg from 'pg';
import type { PreambleStatement, SqlConnection, SqlPool, SqlResult, TransactionStatus } from '../sql-client.js';

interface PgConnectionInternals {
  parsedStatements: Record<string, string>;
  parse(msg: { text: string; name: string; types?: unknown[] }): void;
  bind(msg: { statement: string; values: readonly unknown[]; valueMapper: (v: unknown) => unknown }): void;
  execute(msg: { portal: string; rows?: number }): void;
}

// pg's own parameter mapper (Dates, Buffers, arrays, JSON), so preamble values bind exactly
// like ordinary ones.
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils;

/** The part of pg's (untyped) Query internals this driver extends. */
interface PgQueryInternals {
  readonly name?: string;
  submit(connection: unknown): Error | null;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleError(err: Error, connection: unknown): void;
}
const PgQuery = pg.Query as unknown as new (
  config: pg.QueryConfig & { queryMode: 'extended' },
  values: undefined,
  callback: (err: Error | null, result?: pg.QueryResult) => void,
) => PgQueryInternals;

/**
 * A pg Query that first sends Parse/Bind/Execute for each preamble statement, then the
 * statement itself and one Sync. The server runs them in order in one implicit transaction;
 * if a preamble statement fails, everything after it up to the Sync is skipped. The preamble's
 * DataRow and CommandComplete messages are swallowed here, so callers see only their
 * statement's result.
 */
class PipelinedQuery extends PgQuery {
  #pendingPreamble: number;
  #parsedPreambleNow = false;

  constructor(
    private readonly preamble: readonly PreambleStatement[],
    config: pg.QueryConfig,
    callback: (err: Error | null, result?: pg.QueryResult) => void,
  ) {
    super({ ...config, queryMode: 'extended' }, undefined, callback);
    this.#pendingPreamble = preamble.length;
  }

  override submit(connection: unknown): Error | null {
    const con = connection as PgConnectionInternals & { stream: { cork?(): void; uncork?(): void } };
    con.stream.cork?.();
    try {
      for (const statement of this.preamble) {
        if (con.parsedStatements[statement.name] !== statement.text) {
          con.parse({ text: statement.text, name: statement.name });
          // Recorded now: pg records a ParseComplete under the *user* statement's name only.
          con.parsedStatements[statement.name] = statement.text;
          this.#parsedPreambleNow = true; // see handleError
        }
        con.bind({ statement: statement.name, values: statement.values, valueMapper: prepareValue });
        con.execute({ portal: '' });
      }
    } finally {
      con.stream.uncork?.();
    }
    return super.submit(connection);
  }

  override handleDataRow(msg: unknown): void {
    if (this.#pendingPreamble === 0) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.#pendingPreamble > 0) {
      this.#pendingPreamble -= 1;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }

  override handleError(err: Error, connection: unknown): void {
    // If a preamble statement was parsed in this pipeline and the pipeline failed, pg may have
    // recorded the user's named statement as parsed when it was not: forget it.
    if (this.#parsedPreambleNow && this.name) delete (connection as PgConnectionInternals).parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

function toResult<Row>(result: pg.QueryResult): SqlResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount };
}

const STATUS: Record<string, TransactionStatus> = { I: 'idle', T: 'in-transaction', E: 'failed' };
// One listener per pg client, for its whole life (a listener per checkout would pile up).
const statusOf = new WeakMap<pg.PoolClient, { current: TransactionStatus }>();

function trackStatus(client: pg.PoolClient): { current: TransactionStatus } {
  let status = statusOf.get(client);
  if (!status) {
    const tracked = { current: 'idle' as TransactionStatus };
    const connection = (client as unknown as { connection: { on(event: 'readyForQuery', fn: (msg: { status: string }) => void): void } }).connection;
    connection.on('readyForQuery', (msg) => {
      tracked.current = STATUS[msg.status] ?? 'failed';
    });
    statusOf.set(client, tracked);
    status = tracked;
  }
  return status;
}

class PgConnection implements SqlConnection {
  readonly #status: { current: TransactionStatus };

  constructor(private readonly client: pg.PoolClient) {
    this.#status = trackStatus(client);
  }

  get transactionStatus(): TransactionStatus {
    return this.#status.current;
  }

  async query<Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    return toResult<Row>(await this.client.query(text, values as unknown[] | undefined));
  }

  queryAfter<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    if (preamble.length === 0) return this.query<Row>(text, values);
    return new Promise((resolve, reject) => {
      const query = new PipelinedQuery(preamble, { text, values: values as unknown[] }, (err, result) => {
        if (err) reject(err);
        else resolve(toResult<Row>(result as pg.QueryResult));
      });
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
export function pgPool(poolOrConfig: pg.Pool | pg.PoolConfig): SqlPool {
  const pool = poolOrConfig instanceof pg.Pool ? poolOrConfig : new pg.Pool(poolOrConfig);
  // An idle client can error (server restart, idle timeout); without a listener that error
  // would crash the process. pg then removes the client from the pool by itself.
  pool.on('error', () => {});
  return {
    async query<Row>(text: string, values?: readonly unknown[]) {
      return toResult<Row>(await pool.query(text, values as unknown[] | undefined));
    },
    async connect() {
      // Always the promise form: under a full pool the callback form runs in the async
      // context of whichever request released the connection (ISOLATION.md rule 13).
      return new PgConnection(await pool.connect());
    },
    end: () => pool.end(),
  };
}
