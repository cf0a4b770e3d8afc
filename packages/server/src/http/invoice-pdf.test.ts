// The PDF rendering alone: text the standard fonts cannot draw becomes "?" (never a wrong
// glyph), a credit note says so in its title, and the same invoice renders to the same bytes.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import type { StoredInvoice } from 'tenantry/billing';
import { renderInvoicePdf } from './invoice-pdf.js';

const STANDARD_FONTS = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts/');
const issuedAt = new Date('2031-04-01T00:00:00Z');
const invoice = {
  id: '00000000-0000-4000-8000-000000000001', tenantId: '00000000-0000-4000-8000-000000000002', issuer: 'INV', number: 7, displayNumber: 'INV-000007',
  kind: 'credit_note', corrects: '00000000-0000-4000-8000-000000000003', period: '2031-03', plan: 'pro', currency: 'JPY', status: 'open',
  lines: [{ position: 1, kind: 'correction', meter: null, description: '返金 refund', quantity: 1, unitPriceMinor: -1200, amountMinor: -1200 }],
  subtotalMinor: -1200, taxRatePpm: 100_000, taxMinor: -120, totalMinor: -1320, issuedAt, paidAt: null, voidedAt: null, providerInvoiceId: null,
} as unknown as StoredInvoice;
const branding = { name: '東京 Heat Ltd', primaryColor: null, accentColor: 'not-a-colour', logoUrl: null };

async function textOf(bytes: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const content = await (await pdf.getPage(1)).getTextContent();
  return content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
}

describe('renderInvoicePdf', () => {
  it('draws what the standard fonts can and "?" for the rest, in the currency\'s own digits', async () => {
    const text = await textOf(await renderInvoicePdf(invoice, { branding, tenantName: 'unused' }));
    expect(text).toContain('Credit note INV-000007');
    expect(text).toContain('?? Heat Ltd');
    expect(text).toContain('?? refund');
    expect(text).toContain('-¥1,320');
  });

  it('renders the same invoice to the same bytes', async () => {
    const [a, b] = await Promise.all([renderInvoicePdf(invoice, { branding, tenantName: 'x' }), renderInvoicePdf(invoice, { branding, tenantName: 'x' })]);
    expect(a.equals(b)).toBe(true);
  });
});
