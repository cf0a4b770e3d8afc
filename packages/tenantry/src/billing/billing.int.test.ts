// Subscriptions and invoices against a real PostgreSQL, on a test clock: upgrades prorated to
// the second, downgrades and cancellations at the period's end, trials, idempotent closes,
// gapless numbers under concurrent closes, immutability enforced by the database even for its
// owner, credit notes, entitlements after the grace period (read-only, or suspended through
// the registry with reason `billing`) and their audit trail, and the HTML rendering.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents, withAuditOperator } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { createQuotas, parsePeriod, type Quotas } from '../quota/index.js';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createBilling, type Billing } from './billing.js';
import { renderInvoiceHtml } from './invoice-html.js';
import { prorate } from './proration.js';
import { tenantBillingReader } from './tenant-invoices.js';
import { billingTestCatalog } from './test-catalog.js';

const clock = createTestClock('2028-02-10T12:00:00Z');
const catalog = billingTestCatalog();
const by = { actor: 'operator:test' };
let t: TestTenantry;
let billing: Billing;
let quotas: Quotas;
let slugs = 0;

const newTenant = async (): Promise<TenantId> => (await t.registry.create({ slug: `b-${(slugs += 1)}` })).id;
const actions = async (tenant: TenantId) => (await withAuditOperator(t.operator, tenant, (tx) => queryAuditEvents(tx, { limit: 100 }))).events.map((e) => e.action);

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, operatorPoolSize: 4, clock });
  billing = createBilling({ operator: t.operator, catalog, registry: t.registry, clock, taxRatePpm: 190_000, gracePeriodMs: 3 * 86_400_000, issuer: 'T1' });
  quotas = createQuotas({ catalog, clock });
});
afterAll(() => t?.close());

describe('subscription lifecycle', () => {
  it('prorates an upgrade to the second, applies a downgrade at the period end, and invoices once however often the close runs', async () => {
    clock.set('2028-02-10T12:00:00Z');
    const tenant = await newTenant();
    const started = await billing.subscriptions.start(tenant, { plan: 'basic' }, by);
    expect(started).toMatchObject({ status: 'active', plan: 'basic', currency: 'EUR' });
    expect((await t.registry.get(tenant)).plan).toBe('basic');
    const feb = parsePeriod('2028-02');
    clock.set('2028-02-20T06:30:15Z');
    const upgraded = await billing.subscriptions.changePlan(tenant, 'pro', by);
    expect(upgraded.plan).toBe('pro');
    expect((await t.registry.get(tenant)).plan).toBe('pro');
    clock.set('2028-02-25T00:00:00Z');
    const scheduled = await billing.subscriptions.changePlan(tenant, 'basic', by);
    expect(scheduled).toMatchObject({ plan: 'pro', scheduledPlan: 'basic' });
    await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: 'u1', meter: 'apiCalls', quantity: 1250 }]));

    clock.set('2028-02-29T23:59:59Z');
    expect(await billing.invoices.closePeriod(tenant)).toBeUndefined(); // not due yet
    clock.set('2028-03-01T00:00:00Z');
    const [invoice, again] = [await billing.invoices.closePeriod(tenant), await billing.invoices.closePeriod(tenant)];
    expect(again).toBeUndefined();
    const { issued } = await billing.invoices.closeDue();
    expect(issued).toEqual([]);

    const upgradeAt = new Date('2028-02-20T06:30:15Z');
    const base = prorate(997, feb, new Date('2028-02-10T12:00:00Z'), feb.end);
    const credit = -prorate(997, feb, upgradeAt, feb.end);
    const charge = prorate(4901, feb, upgradeAt, feb.end);
    // The basic plan's part is exactly its price from the start to the upgrade (telescoping).
    expect(base + credit).toBe(prorate(997, feb, new Date('2028-02-10T12:00:00Z'), upgradeAt));
    const overage = 3 * 7; // 250 over the 1000 included, per started 100, at the plan of the close (pro)
    const subtotal = base + credit + charge + overage;
    const tax = Math.round(subtotal * 0.19);
    expect(invoice).toMatchObject({ kind: 'invoice', period: '2028-02', plan: 'pro', currency: 'EUR', status: 'open', subtotalMinor: subtotal, taxMinor: tax, totalMinor: subtotal + tax, taxRatePpm: 190_000 });
    expect(invoice?.lines.map((l) => [l.kind, l.amountMinor])).toEqual([['base', base], ['overage', overage], ['proration', credit], ['proration', charge]]);
    expect(invoice?.displayNumber).toMatch(/^T1-\d{6}$/);

    const rolled = await billing.subscriptions.get(tenant);
    expect(rolled).toMatchObject({ plan: 'basic', scheduledPlan: null, currentPeriod: { plan: 'basic', start: new Date('2028-03-01T00:00:00Z'), end: new Date('2028-04-01T00:00:00Z') } });
    expect((await t.registry.get(tenant)).plan).toBe('basic');
    expect(await actions(tenant)).toEqual(expect.arrayContaining([
      'billing.subscription.start', 'billing.subscription.upgrade', 'billing.subscription.downgrade_scheduled', 'billing.invoice.issue', 'billing.subscription.downgrade',
    ]));

    // The tenant reads its own invoices through the app role; another tenant sees none of them.
    const reader = tenantBillingReader(t.db);
    expect((await reader.invoices(tenant)).map((i) => i.id)).toEqual([invoice?.id]);
    const other = await newTenant();
    expect(await reader.invoices(other)).toEqual([]);
    await expect(reader.invoice(other, invoice?.id ?? '')).rejects.toMatchObject({ code: 'INVOICE_NOT_FOUND' });
  });

  it('bills a trial from its end, cancels at the period end or at once with a credit carried, and refuses other currencies', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const tenant = await newTenant();
    await billing.subscriptions.start(tenant, { plan: 'pro', trialEnd: new Date('2027-01-15T00:00:00Z') }, by);
    await expect(billing.subscriptions.changePlan(tenant, 'dollars', by)).rejects.toMatchObject({ code: 'BILLING_CURRENCY_MISMATCH' });
    clock.set('2027-01-20T00:00:00Z');
    expect((await billing.subscriptions.settle(tenant)).status).toBe('active');
    clock.set('2027-02-01T00:00:00Z');
    const jan = await billing.invoices.closePeriod(tenant);
    expect(jan?.lines[0]?.amountMinor).toBe(prorate(4901, parsePeriod('2027-01'), new Date('2027-01-15T00:00:00Z'), new Date('2027-02-01T00:00:00Z')));

    await billing.subscriptions.cancel(tenant, 'period_end', by);
    await expect(billing.subscriptions.changePlan(tenant, 'max', by)).rejects.toMatchObject({ code: 'SUBSCRIPTION_CANCELED' });
    clock.set('2027-03-01T00:00:00Z');
    const { issued } = await billing.invoices.closeDue();
    expect(issued.filter((i) => i.tenantId === tenant).map((i) => i.period)).toEqual(['2027-02']);
    expect(await billing.subscriptions.get(tenant)).toMatchObject({ status: 'canceled', endedAt: new Date('2027-03-01T00:00:00Z') });
    expect((await billing.invoices.closeDue()).issued.filter((i) => i.tenantId === tenant)).toEqual([]);

    // At once: the unused part is credited; a credit above the charges is carried, never lost.
    const now = await newTenant();
    clock.set('2027-03-01T00:00:00Z');
    await billing.subscriptions.start(now, { plan: 'max' }, by);
    clock.set('2027-03-02T00:00:00Z');
    await billing.subscriptions.addCredit(now, 50_000, 'Goodwill', by);
    await billing.subscriptions.cancel(now, 'now', by);
    clock.set('2027-04-01T00:00:00Z');
    const last = await billing.invoices.closePeriod(now);
    const used = prorate(19_999, parsePeriod('2027-03'), new Date('2027-03-01T00:00:00Z'), new Date('2027-03-02T00:00:00Z'));
    expect(last).toMatchObject({ subtotalMinor: 0, totalMinor: 0, status: 'paid' });
    expect(last?.lines.at(-1)).toMatchObject({ kind: 'credit', amountMinor: 50_000 - used });
    expect(await billing.subscriptions.get(now)).toMatchObject({ status: 'canceled' });
  });
});

describe('invoice numbers and immutability', () => {
  it('numbers concurrent closes of many tenants without a gap or a duplicate, each period invoiced once when two schedulers race', async () => {
    clock.set('2029-05-05T00:00:00Z');
    const tenants = await Promise.all(Array.from({ length: 12 }, () => newTenant()));
    for (const tenant of tenants) await billing.subscriptions.start(tenant, { plan: 'basic' }, by);
    clock.set('2029-06-01T00:00:00Z');
    const invoices = (await Promise.all(tenants.flatMap((tenant) => [billing.invoices.closePeriod(tenant), billing.invoices.closePeriod(tenant)]))).filter((i) => i !== undefined);
    expect(invoices).toHaveLength(12);
    const { rows } = await t.admin.query<{ number: string }>("SELECT number FROM tenantry.invoices WHERE issuer = 'T1' ORDER BY number");
    const numbers = rows.map((r) => Number(r.number));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });

  it('refuses every edit or deletion of an invoice or a line, even by the owner; corrections are credit notes', async () => {
    clock.set('2029-07-03T00:00:00Z');
    const tenant = await newTenant();
    await billing.subscriptions.start(tenant, { plan: 'pro' }, by);
    clock.set('2029-08-01T00:00:00Z');
    const invoice = await billing.invoices.closePeriod(tenant);
    if (!invoice) throw new Error('no invoice');
    const owner = (sql: string) => t.admin.query(sql.replace('$ID', invoice.id)).then(() => 'ok', (e: { code?: string }) => e.code);
    expect(await owner("UPDATE tenantry.invoices SET total_minor = 1, subtotal_minor = 1, tax_minor = 0 WHERE id = '$ID'")).toBe('TB409');
    expect(await owner("UPDATE tenantry.invoice_lines SET amount_minor = 0 WHERE invoice_id = '$ID'")).toBe('TB409');
    expect(await owner("DELETE FROM tenantry.invoice_lines WHERE invoice_id = '$ID'")).toBe('TB409');
    expect(await owner("DELETE FROM tenantry.invoices WHERE id = '$ID'")).toBe('TB409');
    // The operator role has no DELETE and UPDATE only on the status columns.
    const asOperator = await withAuditOperator(t.operator, tenant, (tx) => tx.query('UPDATE tenantry.invoices SET plan = $2 WHERE id = $1', [invoice.id, 'max'])).then(() => 'ok', (e: { code?: string }) => e.code);
    expect(asOperator).toBe('ISOLATION_VIOLATION'); // SQLSTATE 42501, insufficient privilege

    const paid = await billing.invoices.markPaid(tenant, invoice.id, by);
    expect(paid).toMatchObject({ status: 'paid', paidAt: clock.now() });
    await expect(billing.invoices.void(tenant, invoice.id, by)).rejects.toMatchObject({ code: 'INVOICE_IMMUTABLE', details: { status: 'paid' } });
    const partial = await billing.invoices.creditNote(tenant, invoice.id, { amountMinor: 1000, reason: 'Outage credit' }, by);
    expect(partial).toMatchObject({ kind: 'credit_note', corrects: invoice.id, subtotalMinor: -1000, taxMinor: -190, totalMinor: -1190 });
    expect(partial.number).toBeGreaterThan(invoice.number);
    await expect(billing.invoices.creditNote(tenant, invoice.id, { amountMinor: invoice.subtotalMinor, reason: 'too much' }, by)).rejects.toMatchObject({ code: 'CREDIT_NOTE_INVALID' });
    const rest = await billing.invoices.creditNote(tenant, invoice.id, { reason: 'Refund' }, by);
    expect(rest.subtotalMinor).toBe(-(invoice.subtotalMinor - 1000));
    await expect(billing.invoices.creditNote(tenant, rest.id, { reason: 'x' }, by)).rejects.toMatchObject({ code: 'CREDIT_NOTE_INVALID' });
    expect((await billing.invoices.get(tenant, invoice.id)).totalMinor).toBe(invoice.totalMinor);
    expect(await actions(tenant)).toEqual(expect.arrayContaining(['billing.invoice.paid', 'billing.credit_note.issue']));
  });
});

describe('entitlements', () => {
  it('degrades a past-due tenant after the grace period (suspended with reason billing) and restores it on payment, every step audited', async () => {
    const suspending = createBilling({ operator: t.operator, catalog, registry: t.registry, clock, gracePeriodMs: 3 * 86_400_000, degradeTo: 'suspended', issuer: 'T2' });
    clock.set('2030-01-10T00:00:00Z');
    const tenant = await newTenant();
    await suspending.subscriptions.start(tenant, { plan: 'pro' }, by);
    clock.set('2030-02-01T00:00:00Z');
    const invoice = await suspending.invoices.closePeriod(tenant);
    clock.set('2030-02-02T00:00:00Z');
    expect(await suspending.subscriptions.paymentFailed(tenant, by)).toMatchObject({ status: 'past_due', entitlement: 'full' });
    clock.set('2030-02-04T23:59:59Z');
    expect((await suspending.subscriptions.settle(tenant)).entitlement).toBe('full'); // one second of grace left
    expect((await t.registry.get(tenant)).status).toBe('active');
    clock.set('2030-02-05T00:00:00Z');
    expect((await suspending.subscriptions.settle(tenant)).entitlement).toBe('suspended');
    expect((await t.registry.get(tenant)).status).toBe('suspended');
    await expect(t.db.withTenant(tenant, (s) => s.query('SELECT 1'))).rejects.toMatchObject({ code: 'TENANT_SUSPENDED' });

    await suspending.invoices.markPaid(tenant, invoice?.id ?? '', by);
    expect(await suspending.subscriptions.get(tenant)).toMatchObject({ status: 'active', entitlement: 'full', pastDueSince: null });
    expect((await t.registry.get(tenant)).status).toBe('active');
    const events = (await withAuditOperator(t.operator, tenant, (tx) => queryAuditEvents(tx, { limit: 100 }))).events;
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining([
      'billing.subscription.past_due', 'billing.entitlement.degrade', 'tenant.suspend', 'billing.invoice.paid', 'billing.subscription.restore', 'tenant.restore',
    ]));
    expect(events.find((e) => e.action === 'tenant.suspend')?.details).toMatchObject({ reason: 'billing' });

    // Read-only (the default): the entitlement says so, the registry is left alone.
    clock.set('2030-03-01T00:00:00Z');
    const other = await newTenant();
    await billing.subscriptions.start(other, { plan: 'basic' }, by);
    await billing.subscriptions.paymentFailed(other, by);
    clock.set('2030-03-05T00:00:00Z');
    expect((await billing.subscriptions.settle(other)).entitlement).toBe('read_only');
    expect((await t.registry.get(other)).status).toBe('active');
    expect((await tenantBillingReader(t.db).subscription(other))?.entitlement).toBe('read_only');
  });
});

describe('isolation', () => {
  it('each tenant reads exactly its own invoices and subscription, through the app role, whichever tenants are asked (fast-check)', async () => {
    clock.set('2032-03-03T00:00:00Z');
    const tenants = await Promise.all(Array.from({ length: 6 }, () => newTenant()));
    for (const [i, tenant] of tenants.entries()) await billing.subscriptions.start(tenant, { plan: i % 2 === 0 ? 'basic' : 'pro' }, by);
    clock.set('2032-04-01T00:00:00Z');
    const own = new Map<string, string>();
    for (const tenant of tenants) own.set(tenant, (await billing.invoices.closePeriod(tenant))?.id ?? '');
    const reader = tenantBillingReader(t.db);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...tenants), fc.constantFrom(...tenants), async (asker, owner) => {
      expect((await reader.invoices(asker)).map((i) => i.id)).toEqual([own.get(asker)]);
      expect((await reader.subscription(asker))?.tenantId).toBe(asker);
      const read = await reader.invoice(asker, own.get(owner) ?? '').then((i) => i.tenantId, (e: { code?: string }) => e.code);
      expect(read).toBe(asker === owner ? asker : 'INVOICE_NOT_FOUND');
      const operatorRead = await billing.invoices.get(asker, own.get(owner) ?? '').then((i) => i.tenantId, (e: { code?: string }) => e.code);
      expect(operatorRead).toBe(asker === owner ? asker : 'INVOICE_NOT_FOUND');
    }), { numRuns: 15 });
  });
});

describe('rendering', () => {
  it('renders the invoice in the tenant branding, every text escaped', async () => {
    clock.set('2031-01-01T00:00:00Z');
    const tenant = await newTenant();
    await billing.subscriptions.start(tenant, { plan: 'basic' }, by);
    clock.set('2031-02-01T00:00:00Z');
    const invoice = await billing.invoices.closePeriod(tenant);
    if (!invoice) throw new Error('no invoice');
    const html = renderInvoiceHtml(invoice, {
      branding: { name: 'Acme <script>alert(1)</script>', primaryColor: '#112233', accentColor: 'red;}</style><script>', logoUrl: 'https://cdn.example.com/logo.svg' },
      tenantName: 'unused', issuerLines: ['Tenantry GmbH', 'Berlin'],
    });
    expect(html).toContain(invoice.displayNumber);
    expect(html).toContain('color:#112233');
    expect(html).toContain('src="https://cdn.example.com/logo.svg"');
    expect(html).toContain('Acme &#60;script&#62;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('€9.97');
  });
});
