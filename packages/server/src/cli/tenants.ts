// `tenantry tenants …`: the group that holds one subcommand per tenant operation.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerTenantsCreate } from './tenants-create.js';
import { registerTenantsDelete } from './tenants-delete.js';
import { registerTenantsList } from './tenants-list.js';
import { registerTenantsRestore } from './tenants-restore.js';
import { registerTenantsShow } from './tenants-show.js';
import { registerTenantsSuspend } from './tenants-suspend.js';

/** @example registerTenants(program, ctx); */
export function registerTenants(program: Command, ctx: CliContext): void {
  const tenants = program.command('tenants').description('create, list, inspect and change the lifecycle of tenants');
  for (const register of [registerTenantsCreate, registerTenantsList, registerTenantsShow, registerTenantsSuspend, registerTenantsRestore, registerTenantsDelete]) {
    register(tenants, ctx);
  }
}
