// `tenantry tenants show <id-or-slug>`: one tenant in full.
import type { Command } from 'commander';
import { createPlacementDirectory } from 'tenantry/placement';
import type { CliContext } from './context.js';
import { formatTenant, toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

/** @example registerTenantsShow(tenants, ctx); // tenantry tenants show acme --json */
export function registerTenantsShow(tenants: Command, ctx: CliContext): void {
  tenants
    .command('show')
    .description('show one tenant (a deleted one only with --deleted, by its id)')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--deleted', 'also find a deleted tenant (by id: its slug is free again)')
    .option('--json', 'print the tenant as JSON')
    .action(async (ref: string, opts: { deleted?: true; json?: true }) => {
      const { tenant, placement } = await withDatabase(ctx, async ({ registry, operator }) => {
        const found = await findTenant(registry, ref, opts.deleted ? { deleted: 'include' } : {});
        // Tenants placed through the directory show where their data lives (docs/tiers.md).
        return { tenant: found, placement: await createPlacementDirectory({ operator }).tryGetPlacement(found.id) };
      });
      if (opts.json) return ctx.io.out(toJson(placement ? { ...tenant, placement } : tenant));
      const where = placement
        ? `placed   ${placement.target}${placement.schema ? ` schema ${placement.schema}` : ''}${placement.database ? ` database ${placement.database}` : ''} (${placement.residency === 'pinned' ? `pinned to ${placement.region}` : 'region preferred'})\n`
        : '';
      ctx.io.out(formatTenant(tenant) + where);
    });
}
