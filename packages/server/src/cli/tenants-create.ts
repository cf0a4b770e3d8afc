// `tenantry tenants create --slug <slug>`: registers a tenant and makes it active.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { formatTenant, toJson } from './output.js';
import { withDatabase } from './with-database.js';
import { planForNewTenant } from '../plans.js';
import { CLI_AUTHOR } from './cli-author.js';

interface CreateOptions {
  slug: string;
  name?: string;
  plan?: string;
  region?: string;
  json?: true;
}

/** @example registerTenantsCreate(tenants, ctx); // tenantry tenants create --slug acme --name "Acme Inc." */
export function registerTenantsCreate(tenants: Command, ctx: CliContext): void {
  tenants
    .command('create')
    .description('create a tenant (pooled tier) and make it active')
    .requiredOption('--slug <slug>', 'external name: a DNS label, unique among live tenants')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--plan <plan>', 'a plan of the catalog (default: free, or the catalog\'s first plan)')
    .option('--region <region>', 'region label (default: default)')
    .option('--json', 'print the tenant as JSON')
    .action(async (opts: CreateOptions) => {
      const tenant = await withDatabase(ctx, ({ registry, quotas }) =>
        registry.create({
          slug: opts.slug,
          ...(opts.name === undefined ? {} : { displayName: opts.name }),
          // Checked against the plan catalog (TENANTRY_PLANS_FILE or the built-in plans).
          plan: planForNewTenant(quotas.catalog, opts.plan),
          ...(opts.region === undefined ? {} : { region: opts.region }),
        }, CLI_AUTHOR),
      );
      ctx.io.out(opts.json ? toJson(tenant) : `created tenant ${tenant.slug}\n${formatTenant(tenant)}`);
    });
}
