// The `postgres` (postgres.js, porsager) driver: wraps a postgres.js `Sql` as a SqlPool. It is
// the second driver behind the SqlClient interface, proving that nothing above it depends on
// pg: it passes the same conformance suite (tests/conformance/sql-client.test.ts) and runs the
// isolation properties.
//
// What differs from pgPool, and why it is still correct:
// - postgres.js does not expose the server's transaction status (ReadyForQuery), so the
//   driver follows it from what it sends: BEGIN/START TRANSACTION opens, COMMIT/END/ROLLBACK/
//   ABORT/PREPARE TRANSACTION closes, an error inside a transaction fails it. Tenantry sends
//   transaction control only as those statements (the tenant scope refuses it as SQL).
// - A preamble is sent as separate statements, not in one pipelined write. A preamble without
//   BEGIN runs, with the statement, inside a BEGIN … COMMIT of the driver's own, so it still
//   shares one transaction with the statement (as pg's implicit pipeline transaction does):
//   the tenant set by the gate is transaction-local and must be in force for the statement.
// - postgres.js cannot destroy one reserved connection: release(err) rolls back whatever is
//   open on it before handing it back, and a broken socket is closed by postgres.js itself.
import postgres from 'postgres';
import { connectWithinDeadline, remainingDeadline } from '../database-deadline.js';
import { postgresErrors } from '../errors.js';
import type { PreambleStatement, SqlConnection, SqlPool, SqlResult, TransactionStatus } from '../sql-client.js';

export interface PostgresJsPoolOptions {
  /**
   * `auto` (default): statements are prepared once per connection by postgres.js. `off`: every
   * statement is unnamed, for poolers in transaction mode that do not track prepared statements.
   */
  readonly preparedStatements?: 'auto' | 'off';
  /** Client-side deadline of one statement when no `withDatabaseDeadline` is in force; past it the statement is cancelled and DATABASE_TIMEOUT thrown. */
  readonly statementTimeoutMs?: number;
}

/** postgres.js options, plus `connectionString` (the URL postgres.js takes as its first argument). */
export type PostgresJsConfig = postgres.Options<Record<string, postgres.PostgresType>> & { readonly connectionString?: string };

type Sql = postgres.Sql<Record<string, unknown>>;
type Reserved = postgres.ReservedSql<Record<string, unknown>>;
type Values = postgres.ParameterOrJSON<never>[];

const OPENS = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const CLOSES = /^\s*(COMMIT|END|ROLLBACK|ABORT|PREPARE\s+TRANSACTION)\b(?!\s+(TO\b|PREPARED\b))/i;

/** The transaction status after `text` ran on a connection that was in `before` (`ok`: it succeeded). */
export function statusAfter(before: TransactionStatus, text: string, ok: boolean): TransactionStatus {
  if (CLOSES.test(text)) return 'idle'; // a failed COMMIT rolls back; ROLLBACK always ends it
  if (!ok) return before === 'idle' ? 'idle' : 'failed';
  if (OPENS.test(text)) return 'in-transaction';
  return before;
}

/** The deadline that binds now, in ms, and how it was configured (for DATABASE_TIMEOUT's details). */
function bindingDeadline(own: number | undefined): { limitMs: number; deadlineMs: number } | undefined {
  const context = remainingDeadline();
  if (context === undefined) return own === undefined ? undefined : { limitMs: own, deadlineMs: own };
  if (own !== undefined && own <= context.remainingMs) return { limitMs: own, deadlineMs: own };
  return { limitMs: context.remainingMs, deadlineMs: context.deadlineMs };
}

/** Runs `text` on `sql`, cancelling it and throwing DATABASE_TIMEOUT past the deadline that binds. */
function run<Row>(sql: Sql | Reserved, text: string, values: readonly unknown[], prepare: boolean, own: number | undefined): Promise<SqlResult<Row>> {
  const deadline = bindingDeadline(own);
  if (deadline !== undefined && deadline.limitMs <= 0) return Promise.reject(postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs: deadline.deadlineMs } }));
  const pending = sql.unsafe(text, values as Values, { prepare });
  const result = pending.then((rows) => ({ rows: Array.from(rows) as Row[], rowCount: rows.count ?? rows.length }));
  if (deadline === undefined) return result;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.cancel();
      result.catch(() => {});
      reject(postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs: deadline.deadlineMs } }));
    }, deadline.limitMs);
    result.then((r) => { clearTimeout(timer); resolve(r); }, (err: Error) => { clearTimeout(timer); reject(err); });
  });
}

class PostgresJsConnection implements SqlConnection {
  #status: TransactionStatus = 'idle';
  #released = false;

  constructor(private readonly reserved: Reserved, private readonly prepare: boolean, private readonly statementTimeoutMs: number | undefined) {}

  get transactionStatus(): TransactionStatus {
    return this.#status;
  }

  query<Row>(text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return this.#run<Row>(text, values);
  }

  async queryAfter<Row>(preamble: readonly PreambleStatement[], text: string, values: readonly unknown[] = []): Promise<SqlResult<Row>> {
    // One transaction for the preamble and the statement, as in pg's pipeline (see the top).
    const wrap = preamble.length > 0 && this.#status === 'idle' && !preamble.some((s) => OPENS.test(s.text));
    if (wrap) await this.#run('BEGIN', []);
    try {
      for (const statement of preamble) await this.#run(statement.text, statement.values);
      const result = await this.#run<Row>(text, values);
      if (wrap) await this.#run('COMMIT', []);
      return result;
    } catch (err) {
      if (wrap && this.#status !== 'idle') await this.#run('ROLLBACK', []).catch(() => {});
      throw err;
    }
  }

  async #run<Row>(text: string, values: readonly unknown[]): Promise<SqlResult<Row>> {
    try {
      const result = await run<Row>(this.reserved, text, values, this.prepare && values.length > 0, this.statementTimeoutMs);
      this.#status = statusAfter(this.#status, text, true);
      return result;
    } catch (err) {
      this.#status = statusAfter(this.#status, text, false);
      throw err;
    }
  }

  release(destroyBecause?: Error): void {
    if (this.#released) return;
    this.#released = true;
    // Nothing of this checkout may reach the next one: roll back what is still open first.
    if (destroyBecause === undefined && this.#status === 'idle') {
      this.reserved.release();
      return;
    }
    void this.reserved.unsafe('ROLLBACK').catch(() => {}).finally(() => this.reserved.release());
  }
}

/** A reserved connection of `sql`, waiting no longer than the deadline in context. */
function reserve(sql: Sql): Promise<Reserved> {
  return connectWithinDeadline(() => sql.reserve(), (reserved) => reserved.release());
}

/**
 * json/jsonb parameters as pg sends them: a string is the JSON text already (Tenantry, like most
 * pg code, binds `JSON.stringify(value)`), anything else is stringified. postgres.js would
 * stringify a string again and store a JSON string instead of the document.
 */
const JSON_AS_PG_SENDS_IT = {
  to: 3802,
  from: [114, 3802],
  serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
  parse: (text: string): unknown => JSON.parse(text),
};

const isSql = (value: unknown): value is Sql => typeof value === 'function' && typeof (value as { reserve?: unknown }).reserve === 'function';

/**
 * Wraps a postgres.js `Sql` (or its options, with `connectionString`) as a {@link SqlPool}.
 * Made from options, it behaves as pg does where Tenantry relies on it: notices are not
 * printed, and a string bound to a json/jsonb parameter is the JSON text. (A `Sql` you made
 * yourself keeps its own settings: give it the same `types` for JSON.)
 *
 * @example
 * import { postgresJsPool } from 'tenantry/postgres/postgres-js';
 * const app = postgresJsPool({ connectionString: appUrl, max: 10 });
 */
export function postgresJsPool(sqlOrConfig: Sql | PostgresJsConfig, options: PostgresJsPoolOptions = {}): SqlPool {
  let sql: Sql;
  if (isSql(sqlOrConfig)) sql = sqlOrConfig;
  else {
    const { connectionString, ...rest } = sqlOrConfig;
    const config = { onnotice: () => {}, ...rest, types: { tenantryJson: JSON_AS_PG_SENDS_IT, ...rest.types } } as postgres.Options<Record<string, postgres.PostgresType>>;
    sql = connectionString === undefined ? postgres(config) : postgres(connectionString, config);
  }
  const prepare = (options.preparedStatements ?? 'auto') === 'auto';
  const own = options.statementTimeoutMs;
  return {
    query: <Row>(text: string, values: readonly unknown[] = []) => run<Row>(sql, text, values, prepare && values.length > 0, own),
    connect: async () => new PostgresJsConnection(await reserve(sql), prepare, own),
    end: () => sql.end({ timeout: 5 }),
  };
}
