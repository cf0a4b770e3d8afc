// The entitlement cache across instances and tenants: two billing services share one change feed
// (two server instances), each with every tenant's entitlement cached before each step; random
// payment failures, lapsed grace periods and payments on random tenants must leave both
// instances answering exactly what the database holds for every tenant — a change reaches the
// other instance, and never touches another tenant's entry.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { memoryChangeFeed } from '../redis/index.js';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createBilling, type Billing } from './billing.js';
import type { Entitlement } from './billing-sql.js';
import { billingTestCatalog } from './test-catalog.js';

const clock = createTestClock('2029-06-10T12:00:00Z');
const GRACE_MS = 86_400_000;
const by = { actor: 'operator:test' };
let t: TestTenantry;
let one: Billing;
let two: Billing;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 6, operatorPoolSize: 4, clock });
  const feed = memoryChangeFeed();
  const options = { operator: t.operator, catalog: billingTestCatalog(), registry: t.registry, clock, gracePeriodMs: GRACE_MS, changeFeed: feed };
  [one, two] = [createBilling(options), createBilling(options)];
  await Promise.all([one.ready(), two.ready()]);
  tenants = t.tenants.map((x) => x.id);
  for (const tenant of tenants) await one.subscriptions.start(tenant, { plan: 'basic' }, by);
}, 60_000);
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await t?.close();
});

async function stored(): Promise<Entitlement[]> {
  const { rows } = await t.admin.query<{ tenant: string; entitlement: Entitlement }>('SELECT tenant, entitlement FROM tenantry.subscriptions WHERE tenant = ANY($1)', [tenants]);
  return tenants.map((id) => rows.find((r) => r.tenant === id)?.entitlement ?? 'full');
}
const cached = (billing: Billing) => Promise.all(tenants.map((id) => billing.entitlement(id)));

type Step = { readonly op: 'fail' | 'lapse' | 'close' | 'pay'; readonly tenant: number; readonly on: 0 | 1 };
const step = fc.record({ op: fc.constantFrom('fail', 'lapse', 'close', 'pay'), tenant: fc.nat({ max: 5 }), on: fc.constantFrom(0 as const, 1 as const) });

async function apply({ op, tenant: index, on }: Step): Promise<void> {
  const billing = on === 0 ? one : two;
  const tenant = tenants[index] as TenantId;
  if (op === 'fail') await billing.subscriptions.paymentFailed(tenant, by);
  if (op === 'lapse') {
    clock.advance(GRACE_MS);
    await billing.subscriptions.settleDue();
  }
  if (op === 'close') {
    const { end } = (await billing.subscriptions.get(tenant)).currentPeriod;
    if (end.getTime() > clock.now().getTime()) clock.set(end); // time only moves forward
    await billing.invoices.closeDue();
  }
  if (op === 'pay') {
    const open = (await billing.invoices.list(tenant, { status: 'open' })).filter((i) => i.kind === 'invoice');
    for (const invoice of open) await billing.invoices.markPaid(tenant, invoice.id, by);
  }
}

describe('the entitlement cache', () => {
  it('answers what the database holds for every tenant on both instances, whichever instance made the change', async () => {
    let degraded = 0;
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 12 }), async (steps) => {
      for (const s of steps) {
        // Both instances hold every tenant's entry, so a missed invalidation would show as stale.
        await Promise.all([cached(one), cached(two)]);
        await apply(s);
        const truth = await stored();
        expect(await cached(one), `after ${JSON.stringify(s)}`).toEqual(truth);
        expect(await cached(two), `after ${JSON.stringify(s)}`).toEqual(truth);
        degraded += truth.filter((e) => e === 'read_only').length;
      }
    }), { numRuns: 12 });
    // The sequences did reach the read-only state the cache must follow.
    expect(degraded).toBeGreaterThan(0);
  }, 120_000);
});
