// An invoice as a PDF in the tenant's branding (name and colours), drawn with pdfkit: the same
// content as the HTML rendering (tenantry/billing renderInvoiceHtml), for tenants who file PDFs.
// No browser and no font file is needed: the standard Helvetica fonts are built into every PDF
// reader, which limits text to the Windows-1252 characters (others are shown as "?").
import PDFDocument from 'pdfkit';
import { parseColor, type Branding } from 'tenantry/control';
import { formatMinor, type StoredInvoice } from 'tenantry/billing';

export interface InvoicePdfOptions {
  readonly branding: Branding;
  /** Shown when the branding has no name: the tenant's display name. */
  readonly tenantName: string;
  /** BCP 47 locale for amounts. Default `en`. */
  readonly locale?: string;
}

// Windows-1252's characters beyond Latin-1 (what the standard fonts' WinAnsiEncoding adds).
const CP1252_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** The text the standard fonts can draw: other characters become "?", never a wrong glyph. */
const drawable = (text: string): string => [...text].map((c) => {
  const code = c.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRA.has(c) ? c : '?';
}).join('');

function colorOr(value: string | null, fallback: string): string {
  if (value === null) return fallback;
  try { return parseColor(value, 'color'); } catch { return fallback; }
}

/**
 * @example reply.type('application/pdf').send(await renderInvoicePdf(invoice, { branding, tenantName: tenant.displayName }));
 */
export function renderInvoicePdf(invoice: StoredInvoice, options: InvoicePdfOptions): Promise<Buffer> {
  const locale = options.locale ?? 'en';
  const primary = colorOr(options.branding.primaryColor, '#1f2937');
  const accent = colorOr(options.branding.accentColor, '#2563eb');
  const name = drawable(options.branding.name ?? options.tenantName);
  const title = `${invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice'} ${invoice.displayNumber}`;
  const amount = (minor: number) => drawable(formatMinor(minor, invoice.currency, locale));
  // The issue time as the document's dates: the same invoice renders to the same bytes.
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title, Author: name, CreationDate: invoice.issuedAt, ModDate: invoice.issuedAt } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const columns = { description: left, quantity: left + width * 0.6, amount: left + width * 0.75 };
  const amountWidth = width * 0.25;
  doc.fillColor(accent).font('Helvetica-Bold').fontSize(20).text(title);
  doc.fillColor(primary).font('Helvetica').fontSize(10)
    .text(`${name} · period ${drawable(invoice.period)} · plan ${drawable(invoice.plan)}`)
    .text(`Issued ${invoice.issuedAt.toISOString().slice(0, 10)} · ${invoice.status.toUpperCase()}${invoice.corrects === null ? '' : ` · corrects invoice ${invoice.corrects}`}`);
  doc.moveDown(0.5).strokeColor(accent).lineWidth(2).moveTo(left, doc.y).lineTo(left + width, doc.y).stroke().moveDown(1);

  const row = (description: string, quantity: string, value: string, bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fillColor(primary);
    doc.text(description, columns.description, y, { width: width * 0.58 });
    const bottom = doc.y;
    doc.text(quantity, columns.quantity, y, { width: width * 0.13, align: 'right' });
    doc.text(value, columns.amount, y, { width: amountWidth, align: 'right' });
    doc.x = left;
    doc.y = Math.max(bottom, doc.y) + 4;
  };
  row('Description', 'Quantity', 'Amount', true);
  for (const line of invoice.lines) {
    row(drawable(line.description), line.kind === 'base' || line.kind === 'overage' ? String(line.quantity) : '', amount(line.amountMinor));
  }
  doc.strokeColor('#e5e7eb').lineWidth(1).moveTo(left, doc.y).lineTo(left + width, doc.y).stroke().moveDown(0.5);
  const taxPercent = (invoice.taxRatePpm / 10_000).toLocaleString(locale, { maximumFractionDigits: 4 });
  row('Subtotal', '', amount(invoice.subtotalMinor));
  row(`Tax (${taxPercent} %)`, '', amount(invoice.taxMinor));
  row('Total', '', amount(invoice.totalMinor), true);
  doc.end();
  return done;
}
