// Runs one command's work against the control plane's database, closing the pools (and an
// embedded PostgreSQL) afterwards whether the work succeeded or not.
import { openDatabase, type ServerDatabase } from '../database/open-database.js';
import type { CliContext } from './context.js';

/** @example await withDatabase(ctx, ({ registry }) => registry.list()); */
export async function withDatabase<T>(ctx: CliContext, work: (database: ServerDatabase) => Promise<T>): Promise<T> {
  const database = await openDatabase(ctx.config(), { logger: ctx.stderrLogger() });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
