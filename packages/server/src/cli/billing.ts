// `tenantry billing …`: the group of billing commands (one file per command).
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerBillingExport } from './billing-export.js';

/** @example registerBilling(program, ctx); */
export function registerBilling(program: Command, ctx: CliContext): void {
  const billing = program.command('billing').description('export invoice lines per tenant for a billing period');
  registerBillingExport(billing, ctx);
}
