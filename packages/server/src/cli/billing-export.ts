// `tenantry billing export --period 2026-11 --format csv`: one invoice per tenant for the period
// (plan price, included units, overage at the plan's unit prices, in minor units), written to
// stdout page by page, as CSV or as JSON lines (one invoice per line).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { recordOperatorAction } from 'tenantry/health';
import { billingInvoices, CSV_HEADER, invoiceCsvRows, parsePeriod } from 'tenantry/quota';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { withDatabase } from './with-database.js';

interface ExportOptions {
  period: string;
  format: 'csv' | 'json';
}

function period(value: string): string {
  try {
    return parsePeriod(value).name;
  } catch {
    throw new InvalidArgumentError('must be a month as YYYY-MM.');
  }
}

/** @example registerBillingExport(billing, ctx); // tenantry billing export --period 2026-11 --format csv */
export function registerBillingExport(billing: Command, ctx: CliContext): void {
  billing
    .command('export')
    .description('print every tenant\'s invoice lines for a period (CSV, or JSON lines)')
    .requiredOption('--period <YYYY-MM>', 'the calendar month (UTC)', period)
    .addOption(new Option('--format <format>', 'csv, or json (one invoice per line)').choices(['csv', 'json']).default('csv'))
    .action(async (opts: ExportOptions) => {
      await withDatabase(ctx, async ({ operator, quotas, clock }) => {
        // Every tenant's usage through the operator role: recorded before anything is read.
        await recordOperatorAction(operator, clock, CLI_AUTHOR, { action: 'billing.export', details: { period: opts.period, format: opts.format } });
        if (opts.format === 'csv') ctx.io.out(`${CSV_HEADER}\r\n`);
        for await (const invoice of billingInvoices(operator, quotas.catalog, opts.period)) {
          ctx.io.out(opts.format === 'csv' ? invoiceCsvRows(invoice) : `${JSON.stringify(invoice)}\n`);
        }
      });
    });
}
