// `tenantry tenants restore <id-or-slug>`: makes a suspended tenant active again.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';
import { CLI_AUTHOR } from './cli-author.js';

/** @example registerTenantsRestore(tenants, ctx); // tenantry tenants restore acme */
export function registerTenantsRestore(tenants: Command, ctx: CliContext): void {
  tenants
    .command('restore')
    .description('restore a suspended tenant to active')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--json', 'print the tenant as JSON')
    .action(async (ref: string, opts: { json?: true }) => {
      const tenant = await withDatabase(ctx, async ({ registry }) => registry.restore((await findTenant(registry, ref)).id, CLI_AUTHOR));
      ctx.io.out(opts.json ? toJson(tenant) : `restored tenant ${tenant.slug} (${tenant.id})\n`);
    });
}
