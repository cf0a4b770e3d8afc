// `tenantry tenants …`: the group that holds one subcommand per tenant operation.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerTenantsCreate } from './tenants-create.js';
import { registerTenantsDelete } from './tenants-delete.js';
import { registerTenantsLifecycle } from './tenants-lifecycle.js';
import { registerTenantsList } from './tenants-list.js';
import { registerTenantsMembers } from './tenants-members.js';
import { registerTenantsShow } from './tenants-show.js';
import { registerTenantsUpdate } from './tenants-update.js';

/** @example registerTenants(program, ctx); */
export function registerTenants(program: Command, ctx: CliContext): void {
  const tenants = program.command('tenants').description('create, list, inspect, edit and change the lifecycle of tenants, and add their members');
  for (const register of [registerTenantsCreate, registerTenantsList, registerTenantsShow, registerTenantsUpdate, registerTenantsLifecycle, registerTenantsDelete, registerTenantsMembers]) {
    register(tenants, ctx);
  }
}
