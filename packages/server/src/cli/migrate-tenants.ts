// `tenantry migrate --tenants <dir>`: the application's migrations (NNNN_name.sql files in <dir>)
// applied to every schema-tier schema and database-tier database (docs/tiers.md). At a terminal a
// progress line with counts and rate on stderr; otherwise one JSON line per tenant on stdout. A
// failed tenant does not stop the others; the exit code says whether any failed.
import { createPlacement, placementErrors, type TenantMigrationReport, type TenantMigrationStatus } from 'tenantry/placement';
import { DEFAULT_ROLE_NAMES, loadMigrations, roleUrl } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import type { PostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';

export interface MigrateTenantsCliOptions {
  readonly dir: string;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly json: boolean;
}

/** A database-tier target's admin login: its host and database, the configured admin's credentials. */
export function targetAdminUrl(adminUrl: string, targetUrl: string | undefined): string {
  if (targetUrl === undefined) return adminUrl;
  const admin = new URL(adminUrl);
  const target = new URL(targetUrl);
  target.username = admin.username;
  target.password = admin.password;
  return target.toString();
}

/** Runs the migrations across tenants and prints as it goes; returns the report. */
export async function migrateTenantsCli(ctx: CliContext, server: PostgresServer, opts: MigrateTenantsCliOptions): Promise<TenantMigrationReport> {
  const migrations = await loadMigrations(opts.dir);
  const admin = pgPool({ connectionString: server.adminUrl, max: opts.concurrency, application_name: 'tenantry-migrate' });
  const operator = pgPool({ connectionString: roleUrl(server.adminUrl, DEFAULT_ROLE_NAMES.operator, server.rolePasswords.operator), max: 2, application_name: 'tenantry-migrate' });
  const app = pgPool({ connectionString: roleUrl(server.adminUrl, DEFAULT_ROLE_NAMES.app, server.rolePasswords.app), max: 1, application_name: 'tenantry-migrate' });
  const placement = createPlacement({
    operator, app, admin, connect: (c) => pgPool({ ...c, application_name: 'tenantry-migrate' }),
    adminUrl: (target) => targetAdminUrl(server.adminUrl, target.url), passwords: server.rolePasswords, migrations,
  });
  const started = ctx.clock.now().getTime();
  const seen = { total: 0, applied: 0, unchanged: 0, failed: 0, pending: 0 };
  const lines = !ctx.io.progress || opts.json;
  const onTenant = (status: TenantMigrationStatus): void => {
    seen.total += 1;
    seen[status.outcome] += 1;
    if (lines) {
      ctx.io.out(`${JSON.stringify({ tenant: status.tenantId, outcome: status.outcome, versions: status.versions, ...(status.error === undefined ? {} : { error: status.error }) })}\n`);
      return;
    }
    const seconds = Math.max((ctx.clock.now().getTime() - started) / 1000, 0.001);
    ctx.io.err(`\rtenants ${seen.total}: ${seen.applied} applied, ${seen.unchanged} unchanged, ${seen.pending} pending, ${seen.failed} failed · ${(seen.total / seconds).toFixed(1)}/s`);
  };
  try {
    await placement.ready();
    const report = await placement.migrateTenants({ concurrency: opts.concurrency, dryRun: opts.dryRun, onTenant });
    const summary = { applied: report.applied, unchanged: report.unchanged, pending: report.pending, failed: report.failed };
    if (lines) ctx.io.out(`${JSON.stringify({ summary, dryRun: opts.dryRun })}\n`);
    else {
      ctx.io.err('\n');
      ctx.io.out(`tenants: ${report.applied} applied, ${report.unchanged} unchanged, ${report.pending} pending${opts.dryRun ? ' (dry run)' : ''}, ${report.failed} failed\n`);
      for (const failed of report.tenants.filter((s) => s.outcome === 'failed')) ctx.io.out(`FAILED ${failed.tenantId}: ${failed.error ?? ''}\n`);
    }
    if (report.failed > 0) {
      throw placementErrors.create('TENANT_MIGRATIONS_FAILED', { details: { failed: report.tenants.filter((s) => s.outcome === 'failed').map((s) => ({ tenantId: s.tenantId, error: s.error ?? '' })) } });
    }
    return report;
  } finally {
    await placement.close();
    await Promise.all([admin.end(), operator.end(), app.end()]);
  }
}
