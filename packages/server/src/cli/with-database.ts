// Runs one command's work against the control plane's database, closing the pools (and an
// embedded PostgreSQL) afterwards whether the work succeeded or not.
import pg from 'pg';
import { toTenantryError } from 'tenantry/postgres';
import { openDatabase, type ServerDatabase } from '../database/open-database.js';
import { CONNECT_TIMEOUT_MS } from '../database/migrate-database.js';
import type { CliContext } from './context.js';

/** A database that has not answered after this long gets a line on stderr, then one every PROGRESS_EVERY_MS. */
export const PROGRESS_AFTER_MS = 2_000;
const PROGRESS_EVERY_MS = 2_000;

function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'the local socket'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * At a terminal: logs in once to the configured server before anything else, saying on stderr
 * that it is still waiting when the server does not answer (a firewall that drops packets showed nothing for
 * CONNECT_TIMEOUT_MS). Only the login is timed, so a slow migration never prints this.
 * Wall-clock timers on purpose: this is about how long a person has been waiting.
 */
async function reachServer(ctx: CliContext, url: string): Promise<void> {
  const started = Date.now();
  const say = () => ctx.io.err(`waiting for the database at ${describe(url)}… ${Math.round((Date.now() - started) / 1000)} s (gives up after ${CONNECT_TIMEOUT_MS / 1000} s)\n`);
  let repeat: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    say();
    repeat = setInterval(say, PROGRESS_EVERY_MS);
  }, PROGRESS_AFTER_MS);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'tenantry-cli' });
  try {
    await client.connect();
  } catch (err) {
    throw toTenantryError(err);
  } finally {
    clearTimeout(first);
    clearInterval(repeat);
    await client.end().catch(() => {});
  }
}

async function open(ctx: CliContext): Promise<ServerDatabase> {
  const config = ctx.config();
  if (config.databaseUrl !== undefined && ctx.io.progress === true) await reachServer(ctx, config.databaseUrl);
  // Beside a running `tenantry start` on the embedded PostgreSQL, use its server.
  return openDatabase(config, { logger: ctx.stderrLogger(), clock: ctx.clock, attachToRunning: true });
}

/** @example await withDatabase(ctx, ({ registry }) => registry.list()); */
export async function withDatabase<T>(ctx: CliContext, work: (database: ServerDatabase) => Promise<T>): Promise<T> {
  const logger = ctx.stderrLogger();
  const database = await open(ctx);
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
