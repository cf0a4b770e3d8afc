// `tenantry tenants update <id-or-slug> [--name] [--plan] [--region]`: an operator's edit of a
// tenant, recorded in its audit log with each field's old and new value.
import { InvalidArgumentError, type Command } from 'commander';
import { requireCatalogPlan } from 'tenantry/quota';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { formatTenant, toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

interface UpdateOptions {
  name?: string;
  plan?: string;
  region?: string;
  expectedVersion?: number;
  json?: true;
}

function version(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number (the `version` tenants show prints).');
  return Number(value);
}

/** @example registerTenantsUpdate(tenants, ctx); // tenantry tenants update acme --plan pro */
export function registerTenantsUpdate(tenants: Command, ctx: CliContext): void {
  tenants
    .command('update')
    .description('change a tenant\'s display name, plan or region (audited; a plan change applies to quotas and rate limits at once)')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--name <name>', 'new display name (1–200 characters)')
    .option('--plan <plan>', 'a plan of the catalog')
    .option('--region <region>', 'new region label')
    .option('--expected-version <n>', 'only if the tenant is still at this version (else TENANT_VERSION_CONFLICT)', version)
    .option('--json', 'print the tenant as JSON')
    .action(async (ref: string, opts: UpdateOptions, command: Command) => {
      if (opts.name === undefined && opts.plan === undefined && opts.region === undefined) {
        command.error('error: nothing to change: give --name, --plan or --region', { exitCode: 2, code: 'tenantry.nothing-to-change' });
      }
      const tenant = await withDatabase(ctx, async ({ registry, quotas }) => {
        // The same check as tenants create and the API: a plan the catalog lacks would leave
        // the tenant without quotas.
        if (opts.plan !== undefined) requireCatalogPlan(quotas.catalog, opts.plan);
        const { id } = await findTenant(registry, ref);
        return registry.update(id, {
          ...(opts.name === undefined ? {} : { displayName: opts.name }),
          ...(opts.plan === undefined ? {} : { plan: opts.plan }),
          ...(opts.region === undefined ? {} : { region: opts.region }),
        }, { by: CLI_AUTHOR, ...(opts.expectedVersion === undefined ? {} : { expectedVersion: opts.expectedVersion }) });
      });
      ctx.io.out(opts.json ? toJson(tenant) : `updated tenant ${tenant.slug}\n${formatTenant(tenant)}`);
    });
}
