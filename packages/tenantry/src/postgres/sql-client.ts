// The small subset of a PostgreSQL driver Tenantry uses, declared as our own interface so the
// driver (pg today, PGlite later) is an optional peer and tests can run many instances.

/** The rows and row count of one statement. */
export interface SqlResult<Row = Record<string, unknown>> {
  readonly rows: Row[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT); null when the server did not say. */
  readonly rowCount: number | null;
}

/** A statement to send before another one in the same round trip; its result is discarded. */
export interface PreambleStatement {
  /** Prepared once per connection under this name, so the server parses it once. */
  readonly name: string;
  readonly text: string;
  readonly values: readonly unknown[];
}

/** Anything statements can be sent to. Values are always bound parameters, never spliced. */
export interface SqlQueryable {
  query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>>;
}

/**
 * The server's transaction status as of its last ReadyForQuery message: read for free, so a
 * connection can be checked before it goes back to the pool without another round trip.
 */
export type TransactionStatus = 'idle' | 'in-transaction' | 'failed';

/** One connection checked out of a pool. */
export interface SqlConnection extends SqlQueryable {
  readonly transactionStatus: TransactionStatus;
  /**
   * Sends `preamble` then the statement in one write and one round trip, all in one implicit
   * transaction unless a BEGIN is part of the preamble. If any preamble statement fails, the
   * statement does not run and the error is thrown.
   */
  queryAfter<Row = Record<string, unknown>>(
    preamble: readonly PreambleStatement[],
    text: string,
    values?: readonly unknown[],
  ): Promise<SqlResult<Row>>;
  /**
   * Returns the connection to its pool. Pass the error when its state is unknown (a failed
   * transaction, a broken socket): the pool then destroys it instead of handing it on.
   */
  release(destroyBecause?: Error): void;
}

/** How busy a pool is (the same three numbers as pg's `Pool`), for pool metrics. */
export interface SqlPoolStats {
  /** Connections open, idle or checked out. */
  readonly totalCount: number;
  readonly idleCount: number;
  /** Callers queued for a connection because the pool is at its maximum. */
  readonly waitingCount: number;
}

/** A pool of connections, all logged in as one role. */
export interface SqlPool extends SqlQueryable {
  connect(): Promise<SqlConnection>;
  end(): Promise<void>;
  /** Optional: drivers that can tell how busy the pool is. */
  stats?(): SqlPoolStats;
}
