// The operator's console in a real browser (issue 22), beside dashboard.test.ts: list filters in
// the URL (reload and Back keep them), tenant URLs by slug, bulk suspend and restore with a result
// per tenant (a partial failure named), a reason on suspend shown in the read-only view of a
// suspended tenant, a deleted tenant's view and audit log, alert triage (acknowledge, snooze,
// resolve: who and when, recorded), and the Operators page (create, rotate, revoke, disable).
// Every page is checked at a laptop and a phone size: screenshots, no overflow, axe-core clean.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   API response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiServer } from './support/api-server.js';
import { afterStep, BROWSER_SKIP_REASON, browserMissing, checkPage, CLEAN, startDashboardBrowser, type DashboardBrowser } from './support/dashboard-browser.js';

let d: DashboardBrowser;
let api: ApiServer;
let page: Page;
const run = Date.now().toString(36);
const tenants: Record<'alpha' | 'beta' | 'gamma' | 'gone', { id: string; slug: string }> = {} as never;

const op = () => ({ token: api.operatorToken });
const statusOf = async (id: string) => (await api.request('GET', `/v1/tenants/${id}?deleted=include`, op())).body.status as string;
const path = () => { const u = new URL(page.url()); return u.pathname + u.search; };
async function verified(name: string): Promise<void> {
  expect(await checkPage(d, name), name).toMatchObject(CLEAN);
}

beforeAll(async () => {
  if (browserMissing) return;
  d = await startDashboardBrowser();
  ({ api, page } = d);
  for (const name of ['alpha', 'beta', 'gamma', 'gone'] as const) {
    const { body } = await api.request('POST', '/v1/tenants', { ...op(), body: { slug: `${name}-${run}`, displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Ltd`, owner: { userId: `${name}-owner` } } });
    tenants[name] = { id: body.id, slug: body.slug };
  }
  // gamma is already suspended: the bulk suspend must report it as not changed.
  await api.request('POST', `/v1/tenants/${tenants.gamma.id}/suspend`, op());
  await api.request('POST', `/v1/tenants/${tenants.gone.id}/offboard`, op());
  await api.request('DELETE', `/v1/tenants/${tenants.gone.id}`, { ...op(), body: { reason: 'contract ended' } });
  await page.goto(`${api.url}/dashboard/`);
  await page.evaluate(`sessionStorage.setItem('tenantry.operatorToken', ${JSON.stringify(api.operatorToken)})`);
});
beforeEach((context) => context.skip(browserMissing, BROWSER_SKIP_REASON));
afterEach(({ task }) => afterStep(d, task));
afterAll(async () => {
  await d?.close();
});

describe('the operator console in a browser', () => {
  it('keeps list filters in the URL through reload and Back, and names tenants by slug in links', async () => {
    await page.goto(`${api.url}/dashboard/`);
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    // The top bar's search finds a tenant from any page: the list, filtered.
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.getByRole('searchbox', { name: 'Find a tenant by slug or name' }).fill(tenants.gamma.slug);
    await page.keyboard.press('Enter');
    await expect.poll(path).toBe(`/dashboard/?search=${tenants.gamma.slug}`);
    await page.getByRole('link', { name: 'Gamma Ltd' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(run);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('suspended');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(path).toBe(`/dashboard/?search=${run}&status=suspended`);
    await page.getByRole('link', { name: 'Gamma Ltd' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.reload();
    await page.getByRole('link', { name: 'Gamma Ltd' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Status' }).inputValue()).toBe('suspended');
    // Every tenant the filters match, as CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('tenants.csv');
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(csv[0]).toBe('id,slug,displayName,status,plan,tier,region,createdAt,statusChangedAt,statusReason');
    expect(csv.slice(1, -1)).toEqual([expect.stringMatching(new RegExp(`^${tenants.gamma.id},${tenants.gamma.slug},Gamma Ltd,suspended,`))]);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(path).toBe('/dashboard/');
    await page.goBack();
    await expect.poll(path).toBe(`/dashboard/?search=${run}&status=suspended`);
    expect(await page.getByRole('searchbox', { name: 'Search', exact: true }).inputValue()).toBe(run);
    expect(await page.getByRole('link', { name: 'Gamma Ltd' }).getAttribute('href')).toBe(`/dashboard/tenants/${tenants.gamma.slug}`);
  });

  it('suspends several tenants at once, reporting the one that could not be suspended, each change audited', async () => {
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(run);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    for (const name of ['alpha', 'beta', 'gamma'] as const) await page.getByRole('checkbox', { name: `Select ${tenants[name].slug}` }).check();
    await page.getByRole('button', { name: 'Suspend selected…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Suspend 3 tenants?' });
    await dialog.getByLabel(/Reason/).fill('OPS-77: abuse report');
    await verified('c01-bulk-suspend');
    await dialog.getByRole('button', { name: 'Suspend 3' }).click();
    const results = dialog.getByRole('list', { name: 'Results' });
    await results.getByText(`${tenants.gamma.slug}: not changed`).waitFor();
    expect(await results.locator('li').allTextContents()).toEqual([
      `${tenants.alpha.slug}: done`, `${tenants.beta.slug}: done`, expect.stringMatching(new RegExp(`^${tenants.gamma.slug}: not changed — TENANT_\\w+: `)),
    ]);
    // Said inside the dialog (the page behind a modal dialog is inert, its toasts unheard), and as a toast.
    await dialog.getByRole('status').getByText('Suspended 2 of 3 tenants; 1 failed.').waitFor();
    await verified('c02-bulk-results');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect([await statusOf(tenants.alpha.id), await statusOf(tenants.beta.id)]).toEqual(['suspended', 'suspended']);
    const { rows } = await api.t.admin.query<{ tenant_id: string; reason: string }>(
      "SELECT tenant_id, details->>'reason' AS reason FROM tenantry.audit_events WHERE action = 'tenant.suspend' ORDER BY seq");
    expect(rows.filter((r) => r.reason === 'OPS-77: abuse report').map((r) => r.tenant_id).sort()).toEqual([tenants.alpha.id, tenants.beta.id].sort());
  });

  it('shows a suspended tenant read-only by its slug, with the reason and its activity, and restores several', async () => {
    await page.getByRole('link', { name: 'Alpha Ltd' }).click();
    await page.getByRole('heading', { name: 'Alpha Ltd', level: 1 }).waitFor();
    expect(path()).toBe(`/dashboard/tenants/${tenants.alpha.slug}`);
    // Focus follows navigation to the page's heading; the tab title names the tenant.
    await expect.poll(() => page.evaluate<string | null>('document.activeElement?.textContent ?? null')).toBe('Alpha Ltd');
    expect(await page.title()).toBe('Alpha Ltd · Overview · Tenantry');
    await page.locator('.facts dd', { hasText: 'OPS-77: abuse report' }).waitFor();
    await page.getByRole('region', { name: 'Recent activity' }).getByText(/tenant\.suspend by Ops/).waitFor();
    // Owners, seats and usage of a suspended tenant, without impersonating it.
    const people = page.getByRole('region', { name: 'People and usage' });
    await people.locator('.facts dd', { hasText: 'alpha-owner' }).waitFor();
    await people.locator('.facts dd', { hasText: /^1 of 5$/ }).waitFor();
    await people.getByText('apiCalls').waitFor();
    await verified('c03-suspended-tenant');

    await page.goBack();
    await page.getByRole('checkbox', { name: `Select ${tenants.alpha.slug}` }).check();
    await page.getByRole('checkbox', { name: `Select ${tenants.beta.slug}` }).check();
    await page.getByRole('button', { name: 'Restore selected…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore 2 tenants?' });
    await dialog.getByRole('button', { name: 'Restore 2' }).click();
    await dialog.getByRole('list', { name: 'Results' }).getByText(`${tenants.beta.slug}: done`).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect([await statusOf(tenants.alpha.id), await statusOf(tenants.beta.id)]).toEqual(['active', 'active']);
  });

  it("opens a deleted tenant by id, with its delete reason and its kept audit log", async () => {
    await page.goto(`${api.url}/dashboard/tenants/${tenants.gone.id}`);
    await page.getByRole('heading', { name: 'Gone Ltd', level: 1 }).waitFor();
    await page.locator('.page-head .badge', { hasText: 'deleted' }).waitFor();
    await page.locator('.facts dd', { hasText: 'contract ended' }).waitFor();
    await page.getByText('No lifecycle actions for a deleted tenant.').waitFor();
    await verified('c04-deleted-tenant');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByText('chain verified').waitFor();
    expect(await page.locator('.audit-table tbody th code').allTextContents()).toEqual(expect.arrayContaining(['tenant.delete', 'tenant.offboard']));
  });

  it('acknowledges, snoozes and resolves an alert, naming who and when, each recorded', async () => {
    const alertId = randomUUID();
    await api.t.admin.query(`INSERT INTO tenantry.alert_events (id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, count)
      VALUES ($1, $2, 'high-errors', 'errorRate', 0.4, 0.1, 'open', $3, $3, 2)`, [alertId, tenants.beta.id, api.clock.now().toISOString()]);
    await page.getByRole('link', { name: 'Health & alerts' }).click();
    const name = `high-errors on ${tenants.beta.slug}`;
    await page.getByRole('button', { name: `Acknowledge ${name}` }).click();
    await page.getByText('Acknowledged by Ops').waitFor();
    await page.getByRole('combobox', { name: `Snooze ${name} for` }).selectOption({ label: '4 hours' });
    await page.getByRole('button', { name: `Snooze ${name}` }).click();
    await page.getByText('Snoozed until').waitFor();
    await verified('c05-alerts-triaged');
    const listed = (await api.request('GET', '/v1/alerts?status=open', op())).body.items as { id: string }[];
    const alert = listed.find((a) => a.id === alertId);
    expect(alert).toMatchObject({ snoozed: true, snoozedUntil: new Date(api.clock.now().getTime() + 4 * 3_600_000).toISOString(), acknowledgedAt: api.clock.now().toISOString() });
    await page.getByRole('button', { name: `Resolve ${name}` }).click();
    await page.getByText('No open alerts.').waitFor();
    const { rows } = await api.t.admin.query<{ action: string }>("SELECT action FROM tenantry.operator_actions WHERE details->>'alertId' = $1 ORDER BY occurred_at, action", [alertId]);
    expect(rows.map((r) => r.action).sort()).toEqual(['alert.acknowledge', 'alert.resolve', 'alert.snooze']);
  });

  it('lists, creates, rotates, revokes and disables operators from the Operators page', async () => {
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.getByRole('heading', { name: 'Operators', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Ops' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await page.getByLabel('Email', { exact: true }).fill(`grace-${run}@platform.example`);
    await page.getByRole('button', { name: 'Create operator' }).click();
    const first = await page.locator('.secret').textContent();
    expect(first).toMatch(/^tnt_op_/);
    expect((await api.request('GET', '/v1/tenants', { token: first ?? '' })).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    const grace = page.getByRole('region', { name: 'Grace Hopper' });
    await grace.getByRole('button', { name: 'Rotate token first token of Grace Hopper' }).click();
    await page.getByRole('dialog', { name: 'Rotate this token?' }).getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.locator('.secret').textContent()).not.toBe(first);
    const rotated = await page.locator('.secret').textContent();
    expect((await api.request('GET', '/v1/tenants', { token: first ?? '' })).status).toBe(401);
    expect((await api.request('GET', '/v1/tenants', { token: rotated ?? '' })).status).toBe(200);
    await verified('c06-operators');
    await page.getByRole('button', { name: 'Done' }).click();
    await grace.getByRole('button', { name: 'Revoke token first token of Grace Hopper' }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
    // The toast, not a revoked badge: the token the rotation replaced already shows one.
    await page.getByRole('status').getByText('Revoked token first token of Grace Hopper.').waitFor();
    expect((await api.request('GET', '/v1/tenants', { token: rotated ?? '' })).status).toBe(401);
    await grace.getByRole('button', { name: 'Disable Grace Hopper' }).click();
    await page.getByRole('dialog', { name: 'Disable this operator?' }).getByRole('button', { name: 'Disable' }).click();
    await grace.locator('.badge', { hasText: 'disabled' }).waitFor();
    const { rows } = await api.t.admin.query<{ action: string }>("SELECT action FROM tenantry.operator_actions WHERE action LIKE 'operator.%' ORDER BY occurred_at");
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['operator.create', 'operator.token.rotate', 'operator.token.revoke', 'operator.disable']));
  });

  it('fails the page check on a serious accessibility finding (the check itself can fail)', async () => {
    // An unlabelled image and an unlabelled button, added by hand: axe must name both.
    await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\"><button></button>')");
    const found = await checkPage(d, 'c07-axe-self-check');
    expect(found.axe.desktop.join('\n')).toMatch(/critical image-alt/);
    expect(found.axe.phone.join('\n')).toMatch(/critical button-name/);
    await page.evaluate("document.querySelector('main img')?.remove(); document.querySelector('main button:empty')?.remove()");
    // A page wider than the phone is reported too.
    // Sized through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
    await page.evaluate("{ const wide = document.createElement('div'); wide.id = 'wide'; wide.style.width = '900px'; wide.style.height = '4px'; document.querySelector('main').append(wide); }");
    expect((await checkPage(d, 'c07-overflow-self-check')).phoneOverflowPx).toBeGreaterThan(400);
    await page.evaluate("document.getElementById('wide')?.remove()");
  });
});
