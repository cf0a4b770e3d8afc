// `tenantry tenants suspend <id-or-slug>`: stops all work for a tenant; its data stays.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';
import { CLI_AUTHOR } from './cli-author.js';

/** @example registerTenantsSuspend(tenants, ctx); // tenantry tenants suspend acme */
export function registerTenantsSuspend(tenants: Command, ctx: CliContext): void {
  tenants
    .command('suspend')
    .description('suspend an active tenant: its requests and transactions are refused until restored')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--json', 'print the tenant as JSON')
    .action(async (ref: string, opts: { json?: true }) => {
      const tenant = await withDatabase(ctx, async ({ registry }) => registry.suspend((await findTenant(registry, ref)).id, CLI_AUTHOR));
      ctx.io.out(opts.json ? toJson(tenant) : `suspended tenant ${tenant.slug} (${tenant.id})\n`);
    });
}
