// `tenantry tenants create --slug <slug>`: registers a tenant and makes it active.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { formatTenant, toJson } from './output.js';
import { withDatabase } from './with-database.js';
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
    .option('--plan <plan>', 'plan label (default: free)')
    .option('--region <region>', 'region label (default: default)')
    .option('--json', 'print the tenant as JSON')
    .action(async (opts: CreateOptions) => {
      const tenant = await withDatabase(ctx, ({ registry }) =>
        registry.create({
          slug: opts.slug,
          ...(opts.name === undefined ? {} : { displayName: opts.name }),
          ...(opts.plan === undefined ? {} : { plan: opts.plan }),
          ...(opts.region === undefined ? {} : { region: opts.region }),
        }, CLI_AUTHOR),
      );
      ctx.io.out(opts.json ? toJson(tenant) : `created tenant ${tenant.slug}\n${formatTenant(tenant)}`);
    });
}
