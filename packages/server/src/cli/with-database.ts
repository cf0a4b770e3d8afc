// Runs one command's work against the control plane's database, closing the pools (and an
// embedded PostgreSQL) afterwards whether the work succeeded or not.
import { openDatabase, type ServerDatabase } from '../database/open-database.js';
import type { CliContext } from './context.js';

/** @example await withDatabase(ctx, ({ registry }) => registry.list()); */
export async function withDatabase<T>(ctx: CliContext, work: (database: ServerDatabase) => Promise<T>): Promise<T> {
  const logger = ctx.stderrLogger();
  const database = await openDatabase(ctx.config(), { logger, clock: ctx.clock });
  let result: T;
  try {
    result = await work(database);
  } catch (err) {
    // The work's error is the one to report; a failure to close after it only goes to the log.
    await database.close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'closing the database failed'));
    throw err;
  }
  await database.close();
  return result;
}
