// The dashboard in a real browser (Debian's chromium through playwright-core) against a real
// listening server and database: sign in with an operator token, create a tenant, suspend and
// restore it through confirmation dialogs, read its audit log and chain verification, invite a
// member through an impersonation session, and visit every page on a laptop and a phone screen.
// The dashboard is built here, into a temporary folder, so the test never runs a stale build.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   API response bodies are JSON of unknown shape, checked field by field with expect(). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { afterStep, BROWSER_SKIP_REASON, browserMissing, checkPage, CLEAN, startDashboardBrowser, type DashboardBrowser } from './support/dashboard-browser.js';
import type { ApiServer } from './support/api-server.js';
import type { Page } from 'playwright-core';

let d: DashboardBrowser;
let api: ApiServer;
let page: Page;
let tenantId: string;
const slug = `e2e-${Date.now().toString(36)}`;

// Evaluated in the page as strings: the test's tsconfig has no DOM types (Node only).
const storedToken = () => page.evaluate<string | null>("sessionStorage.getItem('tenantry.operatorToken')");
const focusInDialog = () => page.evaluate<boolean>("document.activeElement?.closest('dialog[open]') != null");
const focusedText = () => page.evaluate<string | null>('document.activeElement?.textContent ?? null');

/** The page at a laptop and a phone size: screenshots checked, no phone overflow, no serious axe finding. */
async function screenshots(name: string): Promise<void> {
  expect(await checkPage(d, name), name).toMatchObject(CLEAN);
}

beforeAll(async () => {
  if (browserMissing) return;
  d = await startDashboardBrowser();
  ({ api, page } = d);
});

beforeEach((context) => context.skip(browserMissing, BROWSER_SKIP_REASON));

afterEach(({ task }) => afterStep(d, task));

afterAll(async () => {
  await d?.close();
});

describe('the dashboard in a browser', () => {
  it('refuses a wrong token, then signs in with the operator token', async () => {
    await page.goto(`${api.url}/dashboard/`);
    await expect.poll(() => page.title()).toBe('Sign in · Tenantry');
    await screenshots('01-sign-in');
    await page.getByLabel('Operator token').fill('tnt_op_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'TOKEN_INVALID' }).waitFor();

    await page.getByLabel('Operator token').fill(api.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    // Kept in sessionStorage for this tab only.
    expect(await storedToken()).toBe(api.operatorToken);
  });

  it('creates a tenant from the list and lands on its page', async () => {
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a tenant' });
    await dialog.getByLabel('Slug').fill(slug);
    await dialog.getByLabel('Display name').fill('E2E Corp');
    await dialog.getByLabel('Owner user id').fill('ada');
    // Keyboard only: Tab cycles through the dialog's fields and buttons, never the page behind.
    for (const key of [...Array<string>(9).fill('Tab'), ...Array<string>(9).fill('Shift+Tab')]) {
      await page.keyboard.press(key);
      expect(await focusInDialog(), key).toBe(true);
    }
    await screenshots('02-create-tenant');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'E2E Corp', level: 1 }).waitFor();
    // The tenant's URL names it by slug.
    expect(new URL(page.url()).pathname).toBe(`/dashboard/tenants/${slug}`);
    const created = (await api.request('GET', `/v1/tenants/by-slug/${slug}`, { token: api.operatorToken })).body;
    expect(created).toMatchObject({ slug, status: 'active' });
    tenantId = created.id;
    await screenshots('03-tenant-overview');

    await page.getByRole('link', { name: 'Tenants', exact: true }).first().click();
    await page.getByRole('searchbox', { name: 'Search', exact: true }).waitFor();
    await page.getByRole('link', { name: 'E2E Corp' }).waitFor();
    // Search and filters go to the API: this tenant by its slug; no suspended tenant matches.
    await api.request('POST', '/v1/tenants', { token: api.operatorToken, body: { slug: `${slug}-other`, displayName: 'Other Inc', owner: { userId: 'bob' } } });
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(` ${slug.toUpperCase()}-oth `);
    await page.getByRole('button', { name: 'Apply' }).click();
    // Wait for the filtered answer: before it, both rows show; while it loads, none.
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Other Inc' }).waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('suspended');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No tenants match.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('link', { name: 'E2E Corp' }).waitFor();
    await screenshots('04-tenant-list');
    await page.getByRole('link', { name: 'E2E Corp' }).click();
    await page.getByRole('heading', { name: 'E2E Corp', level: 1 }).waitFor();
  });

  it("changes the tenant's plan from its overview (the catalog's plans offered), audited", async () => {
    const form = page.getByRole('form', { name: 'Edit tenant' });
    await form.getByRole('combobox', { name: 'Plan' }).locator('option', { hasText: 'pro' }).waitFor({ state: 'attached' });
    await form.getByRole('combobox', { name: 'Plan' }).selectOption('pro');
    await form.getByRole('button', { name: 'Save changes' }).click();
    // A plan change is confirmed first: it changes limits, features and price at once.
    const confirm = page.getByRole('dialog', { name: 'Change the plan?' });
    await confirm.getByText('moves from free to pro at once').waitFor();
    await confirm.getByRole('button', { name: 'Move to pro' }).click();
    await expect.poll(async (): Promise<unknown> => (await api.request('GET', `/v1/tenants/${tenantId}`, { token: api.operatorToken })).body.plan).toBe('pro');
    // The Details card's plan (the People and usage card names the plan too, once it reloads).
    await page.getByRole('region', { name: 'Details' }).locator('.facts dd', { hasText: /^pro$/ }).waitFor();
    expect(await form.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
  });

  it('suspends the tenant only once confirmed (Escape cancels), then restores it', async () => {
    await page.getByRole('button', { name: 'Suspend…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Suspend this tenant?' });
    await confirm.waitFor();
    await screenshots('05-confirm-suspend');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect((await api.request('GET', `/v1/tenants/${tenantId}`, { token: api.operatorToken })).body.status).toBe('active');
    // Focus went back to the button that opened the dialog.
    expect(await focusedText()).toBe('Suspend…');

    await page.getByRole('button', { name: 'Suspend…' }).click();
    await confirm.getByRole('button', { name: 'Suspend', exact: true }).click();
    await page.locator('.page-head .badge', { hasText: 'suspended' }).waitFor();
    expect((await api.request('GET', `/v1/tenants/${tenantId}`, { token: api.operatorToken })).body.status).toBe('suspended');

    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByRole('dialog', { name: 'Restore this tenant?' }).getByRole('button', { name: 'Restore', exact: true }).click();
    await page.locator('.page-head .badge', { hasText: 'active' }).waitFor();
    expect((await api.request('GET', `/v1/tenants/${tenantId}`, { token: api.operatorToken })).body.status).toBe('active');
  });

  it('shows the audit log with the suspension and restore, and the chain as verified', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('.audit-table tbody tr');
    await rows.first().waitFor();
    const types = await page.locator('.audit-table tbody th code').allTextContents();
    expect(types.slice(0, 2)).toEqual(['tenant.restore', 'tenant.suspend']);
    expect(await rows.first().textContent()).toContain('operator:');
    await page.getByText('chain verified').waitFor();
    const checked = await page.locator('.verified').textContent();
    expect(checked).toMatch(new RegExp(`${types.length} events checked`));
    await screenshots('06-audit-log');
  });

  it('invites a member inside the tenant through an impersonation session', async () => {
    await page.getByRole('link', { name: 'Members & invitations' }).click();
    await page.getByLabel('Reason').fill('E2E-1: checking the invitation flow');
    await screenshots('07-impersonation');
    await page.getByRole('button', { name: 'Start impersonation' }).click();
    await page.getByText('Acting inside').waitFor();
    await page.getByRole('cell', { name: 'ada' }).or(page.getByRole('rowheader', { name: 'ada' })).first().waitFor();
    await page.getByLabel('Email', { exact: true }).fill('grace@example.com');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByRole('rowheader', { name: 'grace@example.com' }).waitFor();
    const invitations = await api.t.db.withTenant(tenantId, (scope) => api.control.invitations.list(scope));
    expect(invitations).toMatchObject([{ email: 'grace@example.com', role: 'viewer', status: 'pending' }]);
    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('button', { name: 'Start impersonation' }).waitFor();
    // The session's start and end are in the tenant's audit log, with the operator's reason.
    const { body } = await api.request('GET', `/v1/tenants/${tenantId}/audit-events?limit=10`, { token: api.operatorToken });
    const types = (body.items as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['impersonation.start', 'impersonation.end']));
  });

  it('acts inside the tenant with a session token: members, invite and revoke, an API key shown once', async () => {
    // The panels only need a token /v1/tenant/* accepts; a tenant admin's JWT stands in for the
    // impersonation token here, so this runs whether or not the impersonation route is merged.
    const token = await api.member(tenantId, 'grace-admin', 'admin');
    await page.evaluate(`sessionStorage.setItem('tenantry.impersonation.${tenantId}', ${JSON.stringify(JSON.stringify({ id: 'e2e', tenantId, token, expiresAt: new Date(api.clock.now().getTime() + 600_000).toISOString() }))})`);
    await page.goto(`${api.url}/dashboard/tenants/${tenantId}/people`);
    await page.getByText('Acting inside').waitFor();
    await page.getByRole('rowheader', { name: 'grace-admin' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('linus@example.com');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByRole('rowheader', { name: 'linus@example.com' }).waitFor();
    await screenshots('08-members-invitations');
    await page.getByRole('button', { name: 'Revoke the invitation of linus@example.com' }).click();
    await page.getByText('Revoked the invitation of linus@example.com.').waitFor();
    const invitations = await api.t.db.withTenant(tenantId, (scope) => api.control.invitations.list(scope));
    expect(invitations.find((i) => i.email === 'linus@example.com')?.status).toBe('revoked');

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ci-deploy');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.locator('.secret').textContent();
    expect(secret).toMatch(/\S{20,}/);
    await screenshots('09-api-keys');
    // The key works, and once revoked from the dashboard it no longer does.
    expect((await api.request('GET', '/v1/tenant/members', { apiKey: secret ?? '' })).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke API key ci-deploy' }).click();
    await page.getByRole('dialog', { name: 'Revoke this API key?' }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('row', { name: /ci-deploy/ }).getByText('revoked').waitFor();
    expect((await api.request('GET', '/v1/tenant/members', { apiKey: secret ?? '' })).status).toBe(401);

    for (const [tab, shot] of [['Settings & flags', '10-settings'], ['Plan & usage', '11-usage']] as const) {
      await page.getByRole('link', { name: tab }).click();
      await page.locator('.not-available, .problem, form.settings-form, .usage-meter, .chart').first().waitFor();
      await screenshots(shot);
    }
  });

  it('shows analytics (charts from the operator analytics routes) and health', async () => {
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await page.locator('.chart').first().waitFor();
    // Each panel loads on its own: wait until none is loading, then none may have failed.
    await expect.poll(() => page.locator('.loading').count()).toBe(0);
    expect(await page.locator('.not-available, .problem').count()).toBe(0);
    await screenshots('12-analytics');
    await page.getByRole('link', { name: 'Health & alerts' }).click();
    await page.getByRole('heading', { name: 'Health & alerts', level: 1 }).waitFor();
    await page.locator('table, .muted').first().waitFor();
    expect(await page.locator('.not-available, .problem').count()).toBe(0);
    await screenshots('13-health');
  });

  it('signs out and forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    expect(await storedToken()).toBeNull();
  });
});
