// `tenantry billing export` as a child process against a real database: the CSV and JSON lines
// it prints for usage recorded through the library, and its refusals (bad period, bad catalog).
// Tenants and usage are recorded at testNow, and the period exported is testNow's.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBilling } from 'tenantry/billing';
import { createQuotas, definePlanCatalog, periodOf, type Invoice } from 'tenantry/quota';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { DEFAULT_PLANS } from '../../packages/server/src/plans.js';
import { runCli } from './support/cli.js';

// Each command is a fresh Node process that compiles TypeScript: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;
let dir: string;
const clock = createTestClock(inject('testNow'));
const period = periodOf(clock.now()).name;
const tenantry = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0, clock });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
  dir = await mkdtemp(join(tmpdir(), 'tenantry-billing-'));
  const quotas = createQuotas({ catalog: definePlanCatalog(DEFAULT_PLANS), clock });
  const pro = await t.registry.create({ slug: 'acme', plan: 'pro' });
  await t.registry.create({ slug: 'tiny', plan: 'free' });
  // 1 250 001 calls: 250 001 over the million included → 251 started blocks of 1000 at 5 cents.
  await t.db.withTenant(pro.id, (scope) => quotas.recordUsage(scope, [{ id: 'a', meter: 'apiCalls', quantity: 1_250_001 }]));
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tenantry billing export', SLOW, () => {
  it('prints every tenant\'s invoice lines as CSV', async () => {
    const result = await tenantry('billing', 'export', '--period', period, '--format', 'csv');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const rows = result.stdout.trim().split('\r\n');
    expect(rows[0]).toMatch(/^period,tenant_id,tenant_slug,plan,currency,line,/);
    const acme = rows.filter((r) => r.includes(',acme,'));
    expect(acme).toEqual([
      expect.stringMatching(new RegExp(`^${period},[0-9a-f-]{36},acme,pro,EUR,base,,0,0,0,4900,1,4900$`)),
      expect.stringMatching(/,acme,pro,EUR,overage,apiCalls,1250001,1000000,250001,5,1000,1255$/),
      expect.stringMatching(/,acme,pro,EUR,overage,storageBytes,0,50000000000,0,2,1000000000,0$/),
    ]);
    expect(rows.filter((r) => r.includes(',tiny,'))).toEqual([expect.stringMatching(/,tiny,free,EUR,base,,0,0,0,0,1,0$/)]);
  });

  it('prints one invoice per line as JSON, and refuses a malformed period as a usage error', async () => {
    const result = await tenantry('billing', 'export', '--period', period, '--format', 'json');
    expect(result.code).toBe(0);
    const invoices = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Invoice);
    expect(invoices.map((i) => [i.slug, i.totalMinor]).sort()).toEqual([['acme', 4900 + 1255], ['tiny', 0]]);
    const bad = await tenantry('billing', 'export', '--period', '2026-13');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('YYYY-MM');
  });

  it('stops with QUOTA_PLAN_CATALOG_INVALID naming the entry when TENANTRY_PLANS_FILE is wrong', async () => {
    const file = join(dir, 'plans.json');
    await writeFile(file, JSON.stringify({ meters: {}, plans: { pro: { price: { currency: 'EUR', baseMinor: 49.9 } } } }));
    const result = await runCli(['billing', 'export', '--period', period], { ...env, TENANTRY_PLANS_FILE: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/QUOTA_PLAN_CATALOG_INVALID/);
    expect(result.stderr).toContain('plans.pro.price.baseMinor');
  });
});

// The subscription and invoice commands. The child process runs on the system clock, so the
// invoice it shows is issued here on the test clock, on a subscription that then ends (the close
// the child runs must find nothing due whatever today's date is).
describe('tenantry billing subscriptions, invoices and close', SLOW, () => {
  it('closes nothing that is not due, and renders an invoice as HTML in the tenant\'s branding and as a PDF file', async () => {
    const billing = createBilling({ operator: t.operator, catalog: definePlanCatalog(DEFAULT_PLANS), registry: t.registry, clock });
    const tiny = await t.registry.getBySlug('tiny');
    const { currentPeriod } = await billing.subscriptions.start(tiny.id, { plan: 'pro' }, { actor: 'test' });
    await billing.subscriptions.cancel(tiny.id, 'period_end', { actor: 'test' });
    clock.set(currentPeriod.end);
    const invoice = await billing.invoices.closePeriod(tiny.id);

    const closed = await tenantry('billing', 'close', '--json');
    expect(closed.code, closed.stderr).toBe(0);
    expect(JSON.parse(closed.stdout)).toEqual({ issued: [], failed: [] });
    const shown = await tenantry('billing', 'invoices', 'show', invoice!.id, '--tenant', 'tiny', '--html');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(invoice!.displayNumber);
    expect(shown.stdout).toMatch(/^<!doctype html>/);
    const file = join(dir, `${invoice!.displayNumber}.pdf`);
    const pdf = await tenantry('billing', 'invoices', 'show', invoice!.id, '--tenant', 'tiny', '--pdf', file);
    expect(pdf.code, pdf.stderr).toBe(0);
    expect(pdf.stdout).toBe(`${file}\n`);
    expect((await readFile(file)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
