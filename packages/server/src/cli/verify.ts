// `tenantry verify`: audits the database for tenant-isolation mistakes (catalog lint plus a
// rolled-back probe as the app role) and exits 1 with the findings — for a team's CI.
import type { Command } from 'commander';
import { pgPool } from 'tenantry/postgres/pg';
import { formatReport, verifyErrors, verifyIsolation, type VerifyReport } from 'tenantry/verify';
import { connectPostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { targetAdminUrl } from './migrate-tenants.js';

interface TenantDatabaseRow { database_name: string; url: string | null }

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
      const options = { appRole: opts.appRole, probe: opts.probe ? 'run' as const : 'skip' as const, allowedDefinerFunctions: opts.allowDefiner ?? [] };
      try {
        const report = await verifyIsolation({ admin, ...options });
        // Database-tier tenants' databases (docs/tiers.md), each audited the same way.
        const { rows } = await admin.query<TenantDatabaseRow>(
          `SELECT p.database_name, g.url FROM tenantry.placements p JOIN tenantry.targets g ON g.name = p.target JOIN tenantry.tenants t ON t.id = p.tenant
            WHERE p.tier = 'database' AND t.status NOT IN ('deleted', 'provisioning') ORDER BY p.database_name`,
        ).catch((err: unknown) => {
          // A database from before the placement directory (migration 0019) has no tenant databases.
          const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
          if (code === '42P01') return { rows: [] as TenantDatabaseRow[] };
          throw err;
        });
        const databases: { database: string; report: VerifyReport }[] = [];
        for (const row of rows) {
          const url = new URL(targetAdminUrl(server.adminUrl, row.url ?? undefined));
          url.pathname = `/${row.database_name}`;
          const tenantAdmin = pgPool({ connectionString: url.toString(), max: 1 });
          try {
            databases.push({ database: row.database_name, report: await verifyIsolation({ admin: tenantAdmin, ...options }) });
          } finally {
            await tenantAdmin.end();
          }
        }
        if (opts.json) ctx.io.out(toJson(databases.length === 0 ? report : { ...report, ok: report.ok && databases.every((d) => d.report.ok), databases }));
        else ctx.io.out(`${formatReport(report)}\n${databases.map((d) => `database ${d.database}: ${formatReport(d.report)}\n`).join('')}`);
        const findings = report.findings.length + databases.reduce((n, d) => n + d.report.findings.length, 0);
        // An error, so the exit code is 1 like every other failed command (runCli decides it).
        if (findings > 0) throw verifyErrors.create('ISOLATION_FINDINGS', { details: { findings } });
      } finally {
        await admin.end();
        await server.stop();
      }
    });
}
