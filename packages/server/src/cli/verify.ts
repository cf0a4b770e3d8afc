// `tenantry verify`: audits the database for tenant-isolation mistakes (catalog lint plus a
// rolled-back probe as the app role) and exits 1 with the findings — for a team's CI.
import type { Command } from 'commander';
import { pgPool } from 'tenantry/postgres/pg';
import { formatReport, verifyErrors, verifyIsolation } from 'tenantry/verify';
import { connectPostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';

/**
 * Uses the admin connection (the probe must `SET ROLE` to the app role); it migrates nothing,
 * so it audits the database as it is.
 *
 * @example registerVerify(program, ctx);
 */
export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description('audit the database for tenant-isolation mistakes; exits 1 when there are findings')
    .option('--json', 'print the report as JSON')
    .option('--no-probe', 'catalog checks only, without the rolled-back cross-tenant probe')
    .option('--app-role <name>', 'the role the application logs in as', 'tenantry_app')
    .option('--allow-definer <signature...>', 'SECURITY DEFINER functions the app role may call, as name(argtypes)')
    .action(async (opts: { json?: true; probe: boolean; appRole: string; allowDefiner?: string[] }) => {
      const server = await connectPostgresServer(ctx.config(), ctx.stderrLogger());
      const admin = pgPool({ connectionString: server.adminUrl, max: 1 });
      try {
        const report = await verifyIsolation({ admin, appRole: opts.appRole, probe: opts.probe ? 'run' : 'skip', allowedDefinerFunctions: opts.allowDefiner ?? [] });
        ctx.io.out(opts.json ? toJson(report) : `${formatReport(report)}\n`);
        // An error, so the exit code is 1 like every other failed command (runCli decides it).
        if (!report.ok) throw verifyErrors.create('ISOLATION_FINDINGS', { details: { findings: report.findings.length } });
      } finally {
        await admin.end();
        await server.stop();
      }
    });
}
