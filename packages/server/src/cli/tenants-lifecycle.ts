// `tenantry tenants suspend|restore|offboard <id-or-slug> [--reason <text>]`: the lifecycle
// transitions short of deletion. A reason is kept on the tenant (`statusReason`, shown by
// `tenants show`) and in the transition's audit event.
import type { Command } from 'commander';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

interface LifecycleCommand {
  readonly name: 'suspend' | 'restore' | 'offboard';
  readonly description: string;
  readonly done: string;
}

const COMMANDS: readonly LifecycleCommand[] = [
  { name: 'suspend', description: 'suspend an active tenant: its requests and transactions are refused until restored', done: 'suspended' },
  { name: 'restore', description: 'restore a suspended tenant to active', done: 'restored' },
  {
    name: 'offboard',
    description: 'start offboarding an active or suspended tenant: it accepts no more work, its data stays until `tenants delete`',
    done: 'offboarding',
  },
];

/** @example registerTenantsLifecycle(tenants, ctx); // tenantry tenants suspend acme --reason "unpaid invoice" */
export function registerTenantsLifecycle(tenants: Command, ctx: CliContext): void {
  for (const { name, description, done } of COMMANDS) {
    tenants
      .command(name)
      .description(description)
      .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
      .option('--reason <text>', 'why (1–500 characters): kept on the tenant and in its audit log')
      .option('--json', 'print the tenant as JSON')
      .action(async (ref: string, opts: { reason?: string; json?: true }) => {
        const tenant = await withDatabase(ctx, async ({ registry }) =>
          registry[name]((await findTenant(registry, ref)).id, CLI_AUTHOR, opts.reason === undefined ? {} : { reason: opts.reason }));
        ctx.io.out(opts.json ? toJson(tenant) : `${done} tenant ${tenant.slug} (${tenant.id})\n`);
      });
  }
}
