// A year of random plan changes, usage and payments (fast-check) against an independent model:
// every invoice's subtotal, tax and total equal the model's, and proration creates or loses no
// money — each period's plan charges are the sum over the plan segments of the model, within
// one minor unit per segment of the exact share. Times lean on period boundaries: the last
// second of a month, the first of the next, in a leap year (2028) and a common one (2027).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createQuotas, parsePeriod, periodOf, shiftPeriod, type Period, type Quotas } from '../quota/index.js';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createBilling, type Billing } from './billing.js';
import type { StoredInvoice } from './billing-sql.js';
import { billingTestCatalog } from './test-catalog.js';

const clock = createTestClock('2027-01-01T00:00:00Z');
const catalog = billingTestCatalog();
const TAX_PPM = 190_000;
const by = { actor: 'operator:model' };
let t: TestTenantry;
let billing: Billing;
let quotas: Quotas;
let slugs = 0;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  billing = createBilling({ operator: t.operator, catalog, registry: t.registry, clock, taxRatePpm: TAX_PPM, gracePeriodMs: 3 * 86_400_000, issuer: 'MODEL' });
  quotas = createQuotas({ catalog, clock });
});
afterAll(() => t?.close());

// ---- the model: plain arithmetic on plan segments, no credits and charges --------------------

const PLANS = ['free', 'basic', 'pro', 'max'] as const;
const BASE: Record<string, bigint> = { free: 0n, basic: 997n, pro: 4901n, max: 19_999n };
const METER: Record<string, { included: bigint; price: bigint; per: bigint } | undefined> = {
  basic: { included: 100n, price: 3n, per: 10n }, pro: { included: 1000n, price: 7n, per: 100n }, max: { included: 5000n, price: 1n, per: 7n },
};
const sec = (d: Date) => BigInt(Math.floor(d.getTime() / 1000));

interface ModelInvoice { period: string; subtotal: bigint; tax: bigint; total: bigint; planCharges: bigint; exact: number; segments: number }

class Model {
  plan: string;
  scheduled: string | null = null;
  period: Period;
  billableFrom: Date;
  segments: { plan: string; from: Date }[];
  usage = 0n;
  pastDue = false;
  readonly invoices: ModelInvoice[] = [];

  constructor(readonly start: Date, plan: string, readonly trialEnd: Date | null) {
    this.plan = plan;
    this.period = periodOf(start);
    this.billableFrom = this.clamp(start);
    this.segments = [{ plan, from: this.billableFrom }];
  }

  clamp(from: Date): Date {
    const lower = Math.max(from.getTime(), this.trialEnd?.getTime() ?? 0, this.period.start.getTime());
    return new Date(Math.min(lower, this.period.end.getTime()));
  }

  closeIfDue(now: Date): void {
    while (now.getTime() >= this.period.end.getTime()) {
      const [S, E] = [sec(this.period.start), sec(this.period.end)];
      const F = (plan: string, at: Date) => ((BASE[plan] as bigint) * (sec(at) - S)) / (E - S);
      let planCharges = 0n;
      let exact = 0;
      this.segments.forEach((segment, i) => {
        const to = this.segments[i + 1]?.from ?? this.period.end;
        planCharges += F(segment.plan, to) - F(segment.plan, segment.from);
        exact += (Number(BASE[segment.plan]) * Number(sec(to) - sec(segment.from))) / Number(E - S);
      });
      const meter = METER[this.plan];
      const over = meter && this.usage > meter.included ? this.usage - meter.included : 0n;
      const overage = meter ? ((over + meter.per - 1n) / meter.per) * meter.price : 0n;
      const subtotal = planCharges + overage;
      const tax = (subtotal * BigInt(TAX_PPM) + 500_000n) / 1_000_000n;
      this.invoices.push({ period: this.period.name, subtotal, tax, total: subtotal + tax, planCharges, exact, segments: this.segments.length });
      this.plan = this.scheduled ?? this.plan;
      this.scheduled = null;
      this.period = shiftPeriod(this.period, 1);
      this.billableFrom = this.clamp(this.period.start);
      this.segments = [{ plan: this.plan, from: this.billableFrom }];
      this.usage = 0n;
    }
  }

  change(at: Date, plan: string): void {
    if (plan === this.plan) this.scheduled = null;
    else if ((BASE[plan] as bigint) > (BASE[this.plan] as bigint)) {
      this.plan = plan;
      this.scheduled = null;
      this.segments.push({ plan, from: new Date(Math.max(at.getTime(), this.billableFrom.getTime())) });
    } else this.scheduled = plan;
  }
}

// ---- the random year ----------------------------------------------------------------------

/** A time in the year: a random second, or one at a month boundary (last second, first second). */
const instant = (year: number) => fc.oneof(
  fc.integer({ min: 1, max: 364 * 86_400 }).map((s) => Date.UTC(year, 0, 1) + s * 1000),
  fc.tuple(fc.integer({ min: 1, max: 11 }), fc.constantFrom(-1, 0, 1)).map(([month, delta]) => Date.UTC(year, month, 1) + delta * 1000),
);

const scenario = fc.constantFrom(2027, 2028).chain((year) => fc.record({
  year: fc.constant(year),
  startOffset: fc.integer({ min: 0, max: 27 * 86_400 }),
  plan: fc.constantFrom(...PLANS),
  trialDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
  ops: fc.array(fc.oneof(
    fc.record({ at: instant(year), kind: fc.constant('change' as const), plan: fc.constantFrom(...PLANS) }),
    fc.record({ at: instant(year), kind: fc.constant('usage' as const), quantity: fc.integer({ min: 1, max: 4000 }) }),
    fc.record({ at: instant(year), kind: fc.constant('pay' as const) }),
    fc.record({ at: instant(year), kind: fc.constant('fail' as const) }),
  ), { maxLength: 14 }),
}));

async function closeAll(tenant: string): Promise<StoredInvoice[]> {
  const issued: StoredInvoice[] = [];
  for (let invoice = await billing.invoices.closePeriod(tenant); invoice; invoice = await billing.invoices.closePeriod(tenant)) issued.push(invoice);
  return issued;
}

it('a year of plan changes, usage and payments: every invoice equals the model, and proration creates or loses no money', async () => {
  await fc.assert(fc.asyncProperty(scenario, async ({ year, startOffset, plan, trialDays, ops }) => {
    const start = new Date(Date.UTC(year, 0, 1) + startOffset * 1000);
    const trialEnd = trialDays === null ? null : new Date(start.getTime() + trialDays * 86_400_000);
    clock.set(start);
    const tenant = (await t.registry.create({ slug: `m-${(slugs += 1)}` })).id;
    await billing.subscriptions.start(tenant, { plan, ...(trialEnd === null ? {} : { trialEnd }) }, by);
    const model = new Model(start, plan, trialEnd);
    const invoices: StoredInvoice[] = [];
    for (const op of [...ops].sort((a, b) => a.at - b.at).filter((o) => o.at > start.getTime())) {
      clock.set(op.at);
      // The scheduler's close runs first, as it would at the boundary.
      invoices.push(...await closeAll(tenant));
      model.closeIfDue(clock.now());
      if (op.kind === 'change') {
        await billing.subscriptions.changePlan(tenant, op.plan, by);
        model.change(clock.now(), op.plan);
      } else if (op.kind === 'usage') {
        await t.db.withTenant(tenant, (s) => quotas.recordUsage(s, [{ id: randomUUID(), meter: 'apiCalls', quantity: op.quantity }]));
        model.usage += BigInt(op.quantity);
      } else if (op.kind === 'pay') {
        const open = await billing.invoices.list(tenant, { status: 'open' });
        for (const invoice of open) await billing.invoices.markPaid(tenant, invoice.id, by);
        // Paying the last open invoice is what restores a past-due subscription.
        if (open.length > 0) model.pastDue = false;
      } else {
        await billing.subscriptions.paymentFailed(tenant, by);
        model.pastDue = true;
      }
    }
    clock.set(parsePeriod(`${year + 1}-01`).end);
    invoices.push(...await closeAll(tenant));
    model.closeIfDue(clock.now());

    expect(invoices.map((i) => i.period)).toEqual(model.invoices.map((i) => i.period));
    invoices.forEach((invoice, i) => {
      const expected = model.invoices[i] as ModelInvoice;
      expect({ period: invoice.period, subtotal: invoice.subtotalMinor, tax: invoice.taxMinor, total: invoice.totalMinor })
        .toEqual({ period: expected.period, subtotal: Number(expected.subtotal), tax: Number(expected.tax), total: Number(expected.total) });
      // Base and proration lines together are exactly the model's plan charges, each segment
      // within one unit of its exact share: nothing created, nothing lost.
      const planLines = invoice.lines.filter((l) => l.kind === 'base' || l.kind === 'proration').reduce((sum, l) => sum + l.amountMinor, 0);
      expect(planLines).toBe(Number(expected.planCharges));
      expect(Math.abs(planLines - expected.exact)).toBeLessThan(expected.segments);
    });
    const subscription = await billing.subscriptions.get(tenant);
    expect(subscription.status === 'past_due').toBe(model.pastDue);
  }), { numRuns: 8 });

  // Every number of the issuer, once, from 1: no gap, no duplicate.
  const { rows } = await t.admin.query<{ number: string }>("SELECT number FROM tenantry.invoices WHERE issuer = 'MODEL' ORDER BY number");
  expect(rows.map((r) => Number(r.number))).toEqual(rows.map((_, i) => i + 1));
}, 60_000);
