// `tenantry billing close`: closes every subscription period that has ended (issues its invoice,
// applies scheduled downgrades and cancellations), catching up missed periods. Idempotent: the
// entry point a scheduler calls (cron, a job system), as often as it likes.
import type { Command } from 'commander';
import { billingErrors } from 'tenantry/billing';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { withDatabase } from './with-database.js';

/** @example registerBillingClose(billing, ctx); // tenantry billing close --json */
export function registerBillingClose(billing: Command, ctx: CliContext): void {
  billing
    .command('close')
    .description('close every ended billing period: issue its invoice and roll the subscription (idempotent, for a scheduler)')
    .option('--json', 'print the issued invoices and the failures as JSON')
    .action(async (opts: { json?: true }) => {
      const result = await withDatabase(ctx, ({ billing: service }) => service.invoices.closeDue(CLI_AUTHOR));
      if (opts.json) ctx.io.out(toJson(result));
      else {
        for (const invoice of result.issued) ctx.io.out(`${invoice.displayNumber}  ${invoice.tenantId}  ${invoice.period}  ${invoice.totalMinor} ${invoice.currency}  ${invoice.status}\n`);
        ctx.io.out(`issued ${result.issued.length} invoice(s)\n`);
      }
      for (const failure of result.failed) ctx.io.err(`tenant ${failure.tenantId}: ${failure.code}\n`);
      // An error, so the exit code is 1 like every other failed command (runCli decides it).
      if (result.failed.length > 0) throw billingErrors.create('BILLING_CLOSE_INCOMPLETE', { details: { failed: result.failed.length } });
    });
}
