// The billing tab of a tenant in a real browser against a real server and database: the
// subscription's facts, the tenant's invoices and credit notes, an invoice opened as the server
// renders it (in a sandboxed frame) and its PDF saved, and the billing transitions in the audit log.
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredInvoice } from 'tenantry/billing';
import { systemActor } from 'tenantry/control';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { BROWSER_SKIP_REASON, browserMissing, buildDashboard, openBrowser, type DashboardBuild } from './support/dashboard-browser.js';

let api: ApiServer;
let build: DashboardBuild;
let browser: Browser;
let page: Page;
let tenantId: string;
let invoice: StoredInvoice;
let creditNote: StoredInvoice;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (browserMissing) return;
  build = await buildDashboard();
  api = await startApiServer(1, { dashboardDir: build.dir });
  tenantId = api.t.tenants[0]!.id;
  const by = { actor: 'operator:e2e' };
  await api.control.branding.put(tenantId, { name: 'Stadtwerke Nord', accentColor: '#b91c1c' }, systemActor('e2e'));
  const started = await api.billing.subscriptions.start(tenantId, { plan: 'pro' }, by);
  api.clock.set(started.currentPeriod.end);
  [invoice] = (await api.billing.invoices.closeDue()).issued as [StoredInvoice];
  creditNote = await api.billing.invoices.creditNote(tenantId, invoice.id, { amountMinor: 100, reason: 'Meter misread' }, by);
  ({ browser, page } = await openBrowser(api.clock));
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 60_000);
beforeEach((context) => context.skip(browserMissing, BROWSER_SKIP_REASON));
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await build?.remove();
});

describe('the billing tab in a browser', () => {
  it('shows the subscription and lists the invoice and its credit note', async () => {
    await page.goto(`${api.url}/dashboard/`);
    await page.getByLabel('Operator token').fill(api.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    await page.goto(`${api.url}/dashboard/tenants/${tenantId}`);
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Subscription' }).waitFor();
    const facts = page.locator('dl.facts');
    await expect.poll(() => facts.textContent()).toMatch(/Planpro.*Statusactive.*Entitlementfull/);
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // Newest first: the credit note, then the invoice it corrects.
    expect(await rows.nth(0).textContent()).toContain(creditNote.displayNumber);
    expect(await rows.nth(0).textContent()).toContain('credit note');
    expect(await rows.nth(1).textContent()).toContain(invoice.displayNumber);
    const total = new Intl.NumberFormat('en-US', { style: 'currency', currency: invoice.currency }).format(invoice.totalMinor / 100);
    expect(await rows.nth(1).locator('td.num').textContent()).toBe(total);
    expect(pageErrors).toEqual([]);
  });

  it('opens an invoice as the server renders it, and saves its PDF', async () => {
    await page.getByRole('button', { name: `Open ${invoice.displayNumber}` }).click();
    const frame = page.frameLocator(`iframe[title="${invoice.displayNumber} as rendered"]`);
    await frame.getByRole('heading', { name: `Invoice ${invoice.displayNumber}` }).waitFor();
    expect(await frame.locator('body').textContent()).toContain('Stadtwerke Nord');
    // Sandboxed: the rendering runs no script, whatever it holds.
    expect(await page.locator('iframe.invoice-frame').getAttribute('sandbox')).toBe('');

    await page.getByRole('button', { name: 'Get PDF' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Save ${invoice.displayNumber}.pdf` }).click()]);
    expect(download.suggestedFilename()).toBe(`${invoice.displayNumber}.pdf`);
    const bytes = await readFile(await download.path());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pageErrors).toEqual([]);
  });

  it('shows the billing transitions in the audit log tab', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    for (const type of ['billing.subscription.start', 'billing.invoice.issue', 'billing.credit_note.issue']) {
      await page.getByLabel('Event type').fill(type);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => page.locator('tbody tr code').allTextContents(), { message: type }).toEqual([type]);
    }
    expect(pageErrors).toEqual([]);
  });
});
