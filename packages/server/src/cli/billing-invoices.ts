// `tenantry billing invoices list|show|pay|void|credit-note --tenant <id-or-slug>`: a tenant's
// invoices and credit notes; `show --html` renders it in the tenant's branding, `show --pdf <file>`
// writes its PDF. Every change is audited by the billing service, as the CLI's user.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { renderInvoiceHtml, type StoredInvoice } from 'tenantry/billing';
import { renderInvoicePdf } from '../http/invoice-pdf.js';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

const line = (i: StoredInvoice) => `${i.displayNumber}  ${i.id}  ${i.kind}  ${i.period}  ${i.totalMinor} ${i.currency}  ${i.status}\n`;

function amount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer (minor units).');
  return n;
}

/** @example registerBillingInvoices(billing, ctx); // tenantry billing invoices list --tenant acme */
export function registerBillingInvoices(billing: Command, ctx: CliContext): void {
  const invoices = billing.command('invoices').description('list, show, pay, void and correct a tenant\'s invoices');
  const tenantOption = () => new Option('--tenant <id-or-slug>', 'the tenant').makeOptionMandatory();
  invoices.command('list').description('the tenant\'s invoices and credit notes, newest first').addOption(tenantOption())
    .addOption(new Option('--status <status>', 'only these').choices(['open', 'paid', 'void'])).option('--json', 'as JSON')
    .action(async (opts: { tenant: string; status?: 'open' | 'paid' | 'void'; json?: true }) => {
      const items = await withDatabase(ctx, async ({ registry, billing: service }) =>
        service.invoices.list((await findTenant(registry, opts.tenant)).id, opts.status === undefined ? {} : { status: opts.status }));
      ctx.io.out(opts.json ? toJson({ items }) : items.map(line).join(''));
    });
  invoices.command('show').description('one invoice with its lines (JSON), or as HTML or PDF in the tenant\'s branding').argument('<invoice-id>')
    .addOption(tenantOption()).addOption(new Option('--html', 'render as HTML').conflicts('pdf')).option('--pdf <file>', 'write it as a PDF to this file')
    .action(async (invoiceId: string, opts: { tenant: string; html?: true; pdf?: string }) => {
      ctx.io.out(await withDatabase(ctx, async ({ registry, billing: service, control }) => {
        const tenant = await findTenant(registry, opts.tenant);
        const invoice = await service.invoices.get(tenant.id, invoiceId);
        const look = { branding: await control.branding.get(tenant.id), tenantName: tenant.displayName };
        if (opts.pdf === undefined) return opts.html ? renderInvoiceHtml(invoice, look) : toJson(invoice);
        await writeFile(opts.pdf, await renderInvoicePdf(invoice, look));
        return `${opts.pdf}\n`;
      }));
    });
  for (const [name, description] of [['pay', 'mark an open invoice paid'], ['void', 'void an open invoice']] as const) {
    invoices.command(name).description(description).argument('<invoice-id>').addOption(tenantOption()).option('--json', 'as JSON')
      .action(async (invoiceId: string, opts: { tenant: string; json?: true }) => {
        const invoice = await withDatabase(ctx, async ({ registry, billing: service }) => {
          const id = (await findTenant(registry, opts.tenant)).id;
          return name === 'pay' ? service.invoices.markPaid(id, invoiceId, CLI_AUTHOR) : service.invoices.void(id, invoiceId, CLI_AUTHOR);
        });
        ctx.io.out(opts.json ? toJson(invoice) : line(invoice));
      });
  }
  invoices.command('credit-note').description('issue a credit note against an invoice (all that is left of it, or --amount)').argument('<invoice-id>')
    .addOption(tenantOption()).requiredOption('--reason <text>', 'why (1–200 characters)').option('--amount <minor>', 'minor units', amount).option('--json', 'as JSON')
    .action(async (invoiceId: string, opts: { tenant: string; reason: string; amount?: number; json?: true }) => {
      const note = await withDatabase(ctx, async ({ registry, billing: service }) => service.invoices.creditNote(
        (await findTenant(registry, opts.tenant)).id, invoiceId, { reason: opts.reason, ...(opts.amount === undefined ? {} : { amountMinor: opts.amount }) }, CLI_AUTHOR));
      ctx.io.out(opts.json ? toJson(note) : line(note));
    });
}
