// `tenantry migrate`: applies Tenantry's pending migrations and sets the login roles' passwords.
import type { Command } from 'commander';
import { migrateDatabase } from '../database/migrate-database.js';
import { connectPostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';

/**
 * Runs on its own (an embedded PostgreSQL is started and stopped again), so deploys can migrate
 * before starting new servers.
 *
 * @example registerMigrate(program, ctx);
 */
export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations (safe to run from several processes at once)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: true }) => {
      const server = await connectPostgresServer(ctx.config(), ctx.stderrLogger());
      try {
        const result = await migrateDatabase(server);
        if (opts.json) ctx.io.out(toJson({ ...result, database: server.location }));
        else if (result.applied.length === 0) ctx.io.out(`up to date: ${result.alreadyApplied.length} migrations already applied (${server.location})\n`);
        else ctx.io.out(`applied ${result.applied.length} migrations: ${result.applied.join(', ')} (${server.location})\n`);
      } finally {
        await server.stop();
      }
    });
}
