// `tenantry tenants delete <id-or-slug> --yes`: offboards the tenant if needed, purges its rows
// from every isolated table and marks it deleted. Irreversible, hence the --yes.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';
import { CLI_AUTHOR } from './cli-author.js';

/** @example registerTenantsDelete(tenants, ctx); // tenantry tenants delete acme --yes */
export function registerTenantsDelete(tenants: Command, ctx: CliContext): void {
  tenants
    .command('delete')
    .description("offboard a tenant, purge all of its rows and mark it deleted (cannot be undone)")
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--yes', 'confirm: the tenant\'s data is purged for good')
    .option('--reason <text>', 'why (1–500 characters): kept on the tombstone and in its audit log')
    .option('--json', 'print { tenant, purged } as JSON')
    .action(async (ref: string, opts: { yes?: true; reason?: string; json?: true }, command: Command) => {
      if (!opts.yes) {
        // Refused before anything is opened: a typo in a script must not start an offboarding.
        command.error(`error: refusing to delete tenant "${ref}" without --yes (its data would be purged for good)`, {
          exitCode: 2,
          code: 'tenantry.confirmation-required',
        });
      }
      const result = await withDatabase(ctx, async ({ registry }) => {
        let tenant = await findTenant(registry, ref);
        // Offboarding first stops new work for the tenant; a tenant left offboarding by an
        // interrupted delete is picked up here and finished.
        const change = opts.reason === undefined ? {} : { reason: opts.reason };
        if (tenant.status === 'active' || tenant.status === 'suspended') tenant = await registry.offboard(tenant.id, CLI_AUTHOR, change);
        return registry.delete(tenant.id, CLI_AUTHOR, change);
      });
      if (opts.json) return ctx.io.out(toJson(result));
      const rows = Object.values(result.purged.deleted).reduce((sum, n) => sum + n, 0);
      const tables = Object.keys(result.purged.deleted).length;
      ctx.io.out(`deleted tenant ${result.tenant.slug} (${result.tenant.id}); purged ${rows} rows from ${tables} tables\n`);
    });
}
