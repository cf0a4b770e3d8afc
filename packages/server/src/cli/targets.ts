// `tenantry targets add|list|drain|open`: the placement directory's PostgreSQL servers
// (docs/tiers.md). A target's URL names host, port and database, never a password.
import { InvalidArgumentError, type Command } from 'commander';
import { createPlacementDirectory, type PlacementDirectory, type Target } from 'tenantry/placement';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { withDatabase } from './with-database.js';

function weight(value: string): number {
  if (!/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000000.');
  return Number(value);
}

/** Targets as an aligned table. */
export function formatTargetTable(targets: readonly Target[]): string {
  const header = ['NAME', 'REGION', 'STATE', 'WEIGHT', 'TENANTS', 'URL'];
  const rows = targets.map((t) => [t.name, t.region, t.state, String(t.weight), String(t.tenants), t.url ?? '(the control database)']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((cells) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`).join('');
}

const withDirectory = <T>(ctx: CliContext, work: (directory: PlacementDirectory) => Promise<T>): Promise<T> =>
  withDatabase(ctx, ({ operator }) => work(createPlacementDirectory({ operator })));

/** @example registerTargets(program, ctx); // tenantry targets add eu-1 --url postgres://db-eu:5432/postgres --region eu */
export function registerTargets(program: Command, ctx: CliContext): void {
  const targets = program.command('targets').description('the PostgreSQL servers tenants are placed on (schema and database tiers, residency)');
  targets
    .command('add')
    .description('register a PostgreSQL server as a placement target (open)')
    .argument('<name>', 'a short name: a–z, 0–9, "-", "_"')
    .requiredOption('--url <url>', 'postgres://host:port/database, without credentials')
    .requiredOption('--region <region>', 'the region its data stays in')
    .option('--weight <n>', 'relative capacity (default 1)', weight)
    .option('--json', 'print the target as JSON')
    .action(async (name: string, opts: { url: string; region: string; weight?: number; json?: true }) => {
      const target = await withDirectory(ctx, (d) => d.addTarget({ name, url: opts.url, region: opts.region, ...(opts.weight === undefined ? {} : { weight: opts.weight }) }));
      ctx.io.out(opts.json ? toJson(target) : formatTargetTable([target]));
    });
  targets
    .command('list')
    .description('list the targets with their region, state and number of tenants')
    .option('--json', 'print { targets } as JSON')
    .action(async (opts: { json?: true }) => {
      const list = await withDirectory(ctx, (d) => d.listTargets());
      ctx.io.out(opts.json ? toJson({ targets: list }) : list.length === 0 ? 'no targets\n' : formatTargetTable(list));
    });
  for (const [command, state, description] of [
    ['drain', 'draining', 'take no new tenant on the target (its tenants stay)'],
    ['open', 'open', 'take new tenants on the target again'],
  ] as const) {
    targets
      .command(command)
      .description(description)
      .argument('<name>', 'the target')
      .option('--json', 'print the target as JSON')
      .action(async (name: string, opts: { json?: true }) => {
        const target = await withDirectory(ctx, (d) => d.setTargetState(name, state));
        ctx.io.out(opts.json ? toJson(target) : formatTargetTable([target]));
      });
  }
}
