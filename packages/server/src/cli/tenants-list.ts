// `tenantry tenants list`: one page of tenants, oldest first, with a cursor for the next page.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { TENANT_STATUSES, type TenantStatus } from 'tenantry';
import type { CliContext } from './context.js';
import { formatTenantTable, toJson } from './output.js';
import { withDatabase } from './with-database.js';

interface ListOptions {
  status?: TenantStatus;
  plan?: string;
  region?: string;
  search?: string;
  deleted?: true;
  limit?: number;
  cursor?: string;
  json?: true;
}

function pageSize(value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 500) throw new InvalidArgumentError('must be a whole number from 1 to 500.');
  return Number(value);
}

/** @example registerTenantsList(tenants, ctx); // tenantry tenants list --status active --json */
export function registerTenantsList(tenants: Command, ctx: CliContext): void {
  tenants
    .command('list')
    .description('list tenants, oldest first (deleted ones only with --deleted or --status deleted)')
    .addOption(new Option('--status <status>', 'only tenants in this status').choices(TENANT_STATUSES))
    .option('--plan <plan>', 'only tenants on this plan')
    .option('--region <region>', 'only tenants in this region')
    .option('--search <text>', 'only tenants whose slug or name contains this (any case)')
    .option('--deleted', 'include deleted tenants (shown by id: their slug is free again)')
    .option('--limit <n>', 'tenants per page, 1–500 (default 50)', pageSize)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'print { tenants, nextCursor } as JSON')
    .action(async (opts: ListOptions) => {
      const page = await withDatabase(ctx, ({ registry }) =>
        registry.list({
          ...(opts.status === undefined ? {} : { status: opts.status }),
          ...(opts.plan === undefined ? {} : { plan: opts.plan }),
          ...(opts.region === undefined ? {} : { region: opts.region }),
          ...(opts.search === undefined ? {} : { search: opts.search }),
          ...(opts.deleted ? { deleted: 'include' as const } : {}),
          ...(opts.limit === undefined ? {} : { limit: opts.limit }),
          ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
        }),
      );
      if (opts.json) return ctx.io.out(toJson(page));
      ctx.io.out(page.tenants.length === 0 ? 'no tenants\n' : formatTenantTable(page.tenants));
      if (page.nextCursor !== undefined) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}
