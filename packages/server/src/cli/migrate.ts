// `tenantry migrate`: applies Tenantry's pending migrations and sets the login roles' passwords.
import { InvalidArgumentError, type Command } from 'commander';
import { migrateDatabase } from '../database/migrate-database.js';
import { connectPostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { migrateTenantsCli } from './migrate-tenants.js';

function concurrency(value: string): number {
  if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > 32) throw new InvalidArgumentError('must be a whole number from 1 to 32.');
  return Number(value);
}

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
    .option('--tenants <dir>', 'then apply the application\'s migrations (NNNN_name.sql in <dir>) to every schema-tier and database-tier tenant')
    .option('--dry-run', 'with --tenants: list what would be applied, change nothing')
    .option('--concurrency <n>', 'with --tenants: tenants migrated at once, 1–32 (default 4)', concurrency)
    .action(async (opts: { json?: true; tenants?: string; dryRun?: true; concurrency?: number }) => {
      const server = await connectPostgresServer(ctx.config(), ctx.stderrLogger());
      try {
        const result = await migrateDatabase(server);
        if (opts.tenants === undefined) {
          if (opts.json) ctx.io.out(toJson({ ...result, database: server.location }));
          else if (result.applied.length === 0) ctx.io.out(`up to date: ${result.alreadyApplied.length} migrations already applied (${server.location})\n`);
          else ctx.io.out(`applied ${result.applied.length} migrations: ${result.applied.join(', ')} (${server.location})\n`);
          return;
        }
        await migrateTenantsCli(ctx, server, { dir: opts.tenants, dryRun: opts.dryRun === true, concurrency: opts.concurrency ?? 4, json: opts.json === true });
      } finally {
        await server.stop();
      }
    });
}
