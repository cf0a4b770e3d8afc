// `tenantry billing …`: the group of billing commands (one file per command or command group).
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerBillingClose } from './billing-close.js';
import { registerBillingExport } from './billing-export.js';
import { registerBillingInvoices } from './billing-invoices.js';
import { registerBillingSubscriptions } from './billing-subscriptions.js';

/** @example registerBilling(program, ctx); */
export function registerBilling(program: Command, ctx: CliContext): void {
  const billing = program.command('billing').description('subscriptions, invoices, period close and the invoice-line export');
  registerBillingExport(billing, ctx);
  registerBillingClose(billing, ctx);
  registerBillingInvoices(billing, ctx);
  registerBillingSubscriptions(billing, ctx);
}
