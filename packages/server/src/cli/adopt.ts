// `tenantry adopt`: reads an existing application's schema and prints the plan for putting it
// under Tenantry (tenant tables with the statements isolateTable would run, tables to change
// first with why, global tables). A dry run unless `--apply`, which isolates the ready tables.
import type { Command } from 'commander';
import { formatAdoptionPlan, isolateTable, planAdoption, postgresErrors } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { connectPostgresServer } from '../database/postgres-server.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';

/**
 * Uses the admin connection (isolating a table needs its owner); it migrates nothing.
 *
 * @example registerAdopt(program, ctx);
 */
export function registerAdopt(program: Command, ctx: CliContext): void {
  program
    .command('adopt')
    .description('plan (and with --apply, run) row-level isolation for an existing schema; exits 1 while some table must change first')
    .option('--schema <name>', 'the schema to read', 'public')
    .option('--apply', 'isolate every ready tenant table (default: print the plan only, change nothing)')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: { schema: string; apply?: true; json?: true }) => {
      const server = await connectPostgresServer(ctx.config(), ctx.stderrLogger());
      const admin = pgPool({ connectionString: server.adminUrl, max: 1 });
      try {
        const plan = await planAdoption({ admin, schema: opts.schema });
        if (opts.apply) for (const t of plan.adoptable) if (t.statements.length > 0) await isolateTable(t.table, { admin });
        ctx.io.out(opts.json ? toJson({ ...plan, applied: opts.apply === true }) : `${formatAdoptionPlan(plan)}\n${opts.apply ? 'applied to the ready tables' : 'dry run: nothing changed (run with --apply)'}\n`);
        // Blocked tables are findings: the exit code says the schema is not fully adopted yet.
        if (plan.blocked.length > 0) throw postgresErrors.create('ADOPTION_BLOCKED', { details: { blocked: plan.blocked.map((t) => t.table) } });
      } finally {
        await admin.end();
        await server.stop();
      }
    });
}
