// The billing export: one invoice per tenant for a period, computed on the operator pool, a page
// of tenants at a time (cursor = the last tenant id), so any number of tenants streams in
// bounded memory. Usage rows are tenant data under row-level security even for the operator:
// each tenant's are read with that tenant set, transaction-locally, like key rotation does.
import { withPoolTransaction, type SqlPool, type SqlQueryable } from '../postgres/index.js';
import { quotaErrors } from './errors.js';
import { invoiceFor, type Invoice } from './invoice.js';
import { parsePeriod, type Period } from './period.js';
import type { PlanCatalog } from './plan-catalog.js';

export interface BillingPageOptions {
  /** YYYY-MM. */
  readonly period: string;
  /** Tenants per page, 1–500. Default 100. */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface BillingPage {
  readonly period: string;
  readonly items: readonly Invoice[];
  readonly nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A tenant's billable usage in a period, by priced meter: the period's sum for period meters, the
 * peak daily level for level meters. `sql` must have the tenant set (a tenant transaction, or an
 * operator transaction with app.tenant_id): usage rows are under row-level security.
 *
 * @example const usage = await readPeriodUsage(tx, catalog, tenantId, parsePeriod('2026-11')); // { apiCalls: 1250000 }
 */
export async function readPeriodUsage(sql: SqlQueryable, catalog: PlanCatalog, tenantId: string, period: Period): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ meter: string; total: string; peak: string }>(
    `SELECT meter, sum(quantity) AS total, max(quantity) AS peak FROM tenantry.usage_daily
      WHERE tenant_id = $1 AND day >= $2::date AND day < $3::date GROUP BY meter`,
    [tenantId, period.start.toISOString().slice(0, 10), period.end.toISOString().slice(0, 10)],
  );
  const usage: Record<string, number> = {};
  for (const r of rows) {
    if (!Object.hasOwn(catalog.meters, r.meter)) continue;
    usage[r.meter] = Number(catalog.meters[r.meter]?.kind === 'level' ? r.peak : r.total);
  }
  return usage;
}

/**
 * One page of invoices: tenants that existed before the period ended and are not deleted, by id.
 *
 * @example const { items, nextCursor } = await billingPage(operator, catalog, { period: '2026-11' });
 */
export async function billingPage(operator: SqlPool, catalog: PlanCatalog, options: BillingPageOptions): Promise<BillingPage> {
  const period = parsePeriod(options.period);
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw quotaErrors.create('QUOTA_AMOUNT_INVALID', { details: { field: 'limit', reason: 'must be an integer from 1 to 500' } });
  const cursor = options.cursor ?? null;
  if (cursor !== null && !UUID.test(cursor)) throw quotaErrors.create('BILLING_CURSOR_INVALID');
  return withPoolTransaction(operator, async (c) => {
    const { rows: tenants } = await c.query<{ id: string; slug: string; plan: string }>(
      `SELECT id, slug, plan FROM tenantry.tenants
        WHERE ($1::uuid IS NULL OR id > $1::uuid) AND status NOT IN ('deleted', 'provisioning') AND created_at < $2
        ORDER BY id LIMIT $3`,
      [cursor, period.end, limit + 1],
    );
    const page = tenants.slice(0, limit);
    const items: Invoice[] = [];
    for (const tenant of page) {
      const plan = catalog.plan(tenant.plan);
      await c.query("SELECT pg_catalog.set_config('app.tenant_id', $1, true)", [tenant.id]);
      const usage = await readPeriodUsage(c, catalog, tenant.id, period);
      items.push(invoiceFor(plan, { tenantId: tenant.id, slug: tenant.slug, period: period.name }, usage));
    }
    // The setting ends with this transaction; reset anyway, nothing after should see a tenant.
    await c.query("SELECT pg_catalog.set_config('app.tenant_id', '', true)");
    return { period: period.name, items, nextCursor: tenants.length > limit ? (page.at(-1)?.id ?? null) : null };
  });
}

/**
 * Every invoice of the period, page by page.
 *
 * @example for await (const invoice of billingInvoices(operator, catalog, '2026-11')) write(invoiceCsvRows(invoice));
 */
export async function* billingInvoices(operator: SqlPool, catalog: PlanCatalog, period: string, pageSize = 100): AsyncGenerator<Invoice> {
  let cursor: string | undefined;
  do {
    const page = await billingPage(operator, catalog, { period, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
