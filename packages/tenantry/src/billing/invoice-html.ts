// An invoice as a self-contained HTML document in the tenant's branding (name, colours, logo).
// Every text is escaped; colours and the logo URL were validated when the branding was saved
// (control/tenant-branding.ts) and are checked again here, so a document never carries script.
import { parseColor, parseLogoUrl, type Branding } from '../control/index.js';
import type { StoredInvoice } from './billing-sql.js';

export interface InvoiceHtmlOptions {
  readonly branding: Branding;
  /** Shown when the branding has no name: the tenant's display name. */
  readonly tenantName: string;
  /** Who issues the invoice, e.g. your company's name and address, one line each. */
  readonly issuerLines?: readonly string[];
  /** BCP 47 locale for amounts and dates. Default `en`. */
  readonly locale?: string;
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function safeColor(value: string | null, fallback: string): string {
  if (value === null) return fallback;
  try { return parseColor(value, 'color'); } catch { return fallback; }
}

function safeLogo(value: string | null): string | null {
  if (value === null) return null;
  try { return parseLogoUrl(value); } catch { return null; }
}

/**
 * Minor units as the currency's amount, in the currency's own number of digits (HTML and PDF).
 *
 * @example formatMinor(123456, 'EUR', 'en') // '€1,234.56'
 */
export function formatMinor(minor: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/**
 * @example const html = renderInvoiceHtml(invoice, { branding: await control.branding.get(tenantId), tenantName: tenant.displayName });
 */
export function renderInvoiceHtml(invoice: StoredInvoice, options: InvoiceHtmlOptions): string {
  const locale = options.locale ?? 'en';
  const { branding } = options;
  const primary = safeColor(branding.primaryColor, '#1f2937');
  const accent = safeColor(branding.accentColor, '#2563eb');
  const logo = safeLogo(branding.logoUrl);
  const name = branding.name ?? options.tenantName;
  const title = invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice';
  const amount = (minor: number) => escape(formatMinor(minor, invoice.currency, locale));
  const rows = invoice.lines.map((l) =>
    `<tr><td>${escape(l.description)}</td><td class="n">${l.kind === 'base' || l.kind === 'overage' ? escape(String(l.quantity)) : ''}</td><td class="n">${amount(l.amountMinor)}</td></tr>`).join('\n');
  const taxPercent = (invoice.taxRatePpm / 10_000).toLocaleString(locale, { maximumFractionDigits: 4 });
  return `<!doctype html>
<html lang="${escape(locale)}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https:; style-src 'unsafe-inline'">
<title>${title} ${escape(invoice.displayNumber)}</title>
<style>
body{font-family:system-ui,sans-serif;color:${primary};margin:2rem auto;max-width:48rem}
h1{color:${accent};margin:0}header{display:flex;justify-content:space-between;align-items:center;border-bottom:3px solid ${accent};padding-bottom:1rem}
table{width:100%;border-collapse:collapse;margin-top:1.5rem}td,th{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left}
.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600}.status{text-transform:uppercase;color:${accent}}
</style></head>
<body>
<header>${logo === null ? '' : `<img src="${escape(logo)}" alt="${escape(name)}" height="48">`}<div><h1>${title} ${escape(invoice.displayNumber)}</h1>
<div>${escape(name)} · period ${escape(invoice.period)} · plan ${escape(invoice.plan)}</div></div></header>
${(options.issuerLines ?? []).length > 0 ? `<address>${(options.issuerLines ?? []).map(escape).join('<br>')}</address>` : ''}
<p>Issued ${escape(invoice.issuedAt.toISOString().slice(0, 10))} · <span class="status">${escape(invoice.status)}</span>${invoice.corrects === null ? '' : ` · corrects invoice ${escape(invoice.corrects)}`}</p>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><td colspan="2">Subtotal</td><td class="n">${amount(invoice.subtotalMinor)}</td></tr>
<tr><td colspan="2">Tax (${escape(taxPercent)} %)</td><td class="n">${amount(invoice.taxMinor)}</td></tr>
<tr><td colspan="2">Total</td><td class="n">${amount(invoice.totalMinor)}</td></tr>
</tfoot></table>
</body></html>
`;
}
