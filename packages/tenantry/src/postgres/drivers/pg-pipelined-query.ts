// A pg Query that sends its preamble statements (and Close messages of evicted prepared
// statements) in the same write as the statement itself, so they cost no round trip.
import pg from 'pg';
import type { PreambleStatement } from '../sql-client.js';

/** The part of pg's (untyped) connection this module writes to. */
interface PgWireConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
  stream: { cork?(): void; uncork?(): void };
  parse(msg: { text: string; name: string }): void;
  bind(msg: { statement: string; values: readonly unknown[]; valueMapper: (v: unknown) => unknown }): void;
  execute(msg: { portal: string }): void;
  close(msg: { type: 'S'; name: string }): void;
}

/** The part of pg's (untyped) Query internals this class extends. */
interface PgQueryInternals {
  readonly name?: string;
  submit(connection: unknown): Error | null;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleError(err: Error, connection: unknown): void;
  handleReadyForQuery(connection: unknown): void;
}
const PgQuery = pg.Query as unknown as new (
  config: pg.QueryConfig & { queryMode: 'extended' },
  values: undefined,
  callback: (err: Error | null, result?: pg.QueryResult) => void,
) => PgQueryInternals;

// pg's own parameter mapper (Dates, Buffers, arrays, JSON), so preamble values bind exactly
// like the statement's own.
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils;

/**
 * Writes, in one corked burst: Close for each evicted statement, Bind/Execute (and Parse the
 * first time on this connection) for each preamble statement, then pg's own
 * Parse/Bind/Describe/Execute/Sync for the statement. The server runs them in order in one
 * implicit transaction (unless the preamble holds a BEGIN); if a preamble statement fails,
 * everything after it up to the Sync is skipped and the error is the query's. The preamble's
 * DataRow and CommandComplete messages are swallowed, so callers see only their statement's
 * result.
 */
export class PipelinedQuery extends PgQuery {
  #pendingPreamble: number;
  /** Statement names whose Parse went out in this pipeline and is not yet confirmed, in order. */
  readonly #unconfirmedParses: string[] = [];
  #connection: PgWireConnection | undefined;
  // ParseComplete messages arrive in the order the Parses were sent; each confirms the oldest.
  readonly #confirmParse = () => {
    this.#unconfirmedParses.shift();
  };

  /**
   * `named` false: the preamble goes out as unnamed statements, parsed in every pipeline —
   * nothing outlives the pipeline on the server connection, which is what a pooler in
   * transaction mode that does not track prepared statements (PgBouncer < 1.21) needs.
   */
  constructor(
    private readonly preamble: readonly PreambleStatement[],
    private readonly closings: readonly string[],
    config: pg.QueryConfig,
    callback: (err: Error | null, result?: pg.QueryResult) => void,
    private readonly named = true,
  ) {
    super({ ...config, queryMode: 'extended' }, undefined, callback);
    this.#pendingPreamble = preamble.length;
  }

  override submit(connection: unknown): Error | null {
    const con = connection as PgWireConnection;
    // Corks nest: pg's own submit corks and uncorks inside ours, and everything leaves in one
    // writev. On loopback each write is a full trip through the network stack (measured: two
    // writes per statement cost a third of the throughput at 8 clients).
    con.stream.cork?.();
    try {
      for (const name of this.closings) {
        con.close({ type: 'S', name });
        delete con.parsedStatements[name];
      }
      for (const statement of this.preamble) {
        if (!this.named) {
          con.parse({ text: statement.text, name: '' });
          con.bind({ statement: '', values: statement.values, valueMapper: prepareValue });
          con.execute({ portal: '' });
          continue;
        }
        if (con.parsedStatements[statement.name] !== statement.text) {
          con.parse({ text: statement.text, name: statement.name });
          con.parsedStatements[statement.name] = statement.text;
          this.#unconfirmedParses.push(statement.name);
        }
        con.bind({ statement: statement.name, values: statement.values, valueMapper: prepareValue });
        con.execute({ portal: '' });
      }
      const name = this.name;
      const parsesOwn = name !== undefined && con.parsedStatements[name] === undefined && con.submittedNamedStatements[name] === undefined;
      const error = super.submit(connection);
      if (parsesOwn && error === null) this.#unconfirmedParses.push(name);
      // Responses arrive after submit returns; listen only when a Parse went out (rarely, once
      // statements are prepared on the connection).
      if (this.#unconfirmedParses.length > 0) {
        this.#connection = con;
        con.on('parseComplete', this.#confirmParse);
      }
      return error;
    } finally {
      con.stream.uncork?.();
    }
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
    const con = connection as PgWireConnection;
    this.#stopListening();
    // After an error the server skips everything up to the Sync: a statement whose Parse was
    // not confirmed does not exist there, whatever pg recorded (it records the statement's
    // own name at *any* ParseComplete, including the preamble's).
    for (const name of this.#unconfirmedParses) delete con.parsedStatements[name];
    super.handleError(err, connection);
  }

  override handleReadyForQuery(connection: unknown): void {
    this.#stopListening();
    super.handleReadyForQuery(connection);
  }

  #stopListening(): void {
    this.#connection?.off('parseComplete', this.#confirmParse);
    this.#connection = undefined;
  }
}
