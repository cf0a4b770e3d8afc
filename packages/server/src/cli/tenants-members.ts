// `tenantry tenants members list|add <id-or-slug>`: the operator's way to see a tenant's members
// and to give it a member — an owner above all, when onboarding left it without one or its
// last owner is gone (the API's member routes need a member who may already manage members).
import type { Command } from 'commander';
import { systemActor } from 'tenantry/control';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { formatTime, toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

/** @example registerTenantsMembers(tenants, ctx); // tenantry tenants members add acme --user u_123 --role owner */
export function registerTenantsMembers(tenants: Command, ctx: CliContext): void {
  const members = tenants.command('members').description('list a tenant\'s members, or add one (an owner, say)');
  members
    .command('list')
    .description('list the tenant\'s members and their roles')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .option('--json', 'print the members as JSON')
    .action(async (ref: string, opts: { json?: true }) => {
      const list = await withDatabase(ctx, async ({ registry, db, control }) => {
        const { id } = await findTenant(registry, ref);
        return db.withTenant(id, (scope) => control.members.list(scope));
      });
      if (opts.json) return ctx.io.out(toJson(list));
      if (list.length === 0) return ctx.io.out('no members\n');
      const width = Math.max(4, ...list.map((m) => m.userId.length));
      ctx.io.out(`${'USER'.padEnd(width)}  ROLE      SINCE\n${list.map((m) => `${m.userId.padEnd(width)}  ${m.roleName.padEnd(8)}  ${formatTime(m.createdAt)}\n`).join('')}`);
    });
  members
    .command('add')
    .description('add a user of your application to the tenant with a role (audited as cli:<os user>)')
    .argument('<id-or-slug>', 'the tenant id (UUID) or its current slug')
    .requiredOption('--user <userId>', 'the application\'s user id (the JWT `sub`)')
    .requiredOption('--role <role>', 'owner, admin, member, viewer, or a custom role\'s id')
    .option('--json', 'print the member as JSON')
    .action(async (ref: string, opts: { user: string; role: string; json?: true }) => {
      const member = await withDatabase(ctx, async ({ registry, db, control }) => {
        const { id } = await findTenant(registry, ref);
        // Acting with the owner's permissions, as onboarding does: only an operator runs the CLI.
        return db.withTenant(id, (scope) => control.members.add(scope, { userId: opts.user, role: opts.role }, systemActor(CLI_AUTHOR.actor)));
      });
      ctx.io.out(opts.json ? toJson(member) : `added ${member.userId} to the tenant as ${member.roleName}\n`);
    });
}

