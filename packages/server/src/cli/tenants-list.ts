// `tenantry tenants list`: one page of tenants, oldest first, with a cursor for the next page.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { TENANT_STATUSES, type TenantStatus } from 'tenantry';
import type { CliContext } from './context.js';
import { formatTenantTable, toJson } from './output.js';
import { withDatabase } from './with-database.js';

interface ListOptions {
  status?: TenantStatus;
  limit?: number;
  cursor?: string;
  json?: true;
}

function wholeNumber(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new InvalidArgumentError('must be a whole number.');
  return Number(value);
}

/** @example registerTenantsList(tenants, ctx); // tenantry tenants list --status active --json */
export function registerTenantsList(tenants: Command, ctx: CliContext): void {
  tenants
    .command('list')
    .description('list tenants, oldest first (deleted ones too, unless --status says otherwise)')
    .addOption(new Option('--status <status>', 'only tenants in this status').choices(TENANT_STATUSES))
    .option('--limit <n>', 'tenants per page, 1–500 (default 50)', wholeNumber)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'print { tenants, nextCursor } as JSON')
    .action(async (opts: ListOptions) => {
      const page = await withDatabase(ctx, ({ registry }) =>
        registry.list({
          ...(opts.status === undefined ? {} : { status: opts.status }),
          ...(opts.limit === undefined ? {} : { limit: opts.limit }),
          ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
        }),
      );
      if (opts.json) return ctx.io.out(toJson(page));
      ctx.io.out(page.tenants.length === 0 ? 'no tenants\n' : formatTenantTable(page.tenants));
      if (page.nextCursor !== undefined) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}
