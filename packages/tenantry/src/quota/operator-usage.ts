// A tenant's usage against its limits as an operator reads it, whatever the tenant's status: the
// tenant gate refuses a suspended or offboarding tenant's own transactions (and so `usage()`),
// but an operator looking at why it was suspended still needs the figures. Read in one operator
// transaction with the tenant set, under the usage tables' row-level security.
import { withAuditOperator } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { readPeriodUsage } from './billing-export.js';
import { periodOf } from './period.js';
import type { PlanCatalog } from './plan-catalog.js';
import { readTenantLimits } from './quota-sql.js';
import type { UsageReport } from './usage-report.js';

/**
 * This calendar month's usage per meter of the catalog (period meters: the sum; level meters:
 * the peak daily level recorded), with the tenant's effective hard and soft limits (plan and
 * overrides). Rate meters (requests per minute) have no stored usage: they are left out.
 *
 * @example const report = await readUsageAsOperator(operator, catalog, tenantId, clock.now());
 */
export function readUsageAsOperator(operator: SqlPool, catalog: PlanCatalog, tenantId: TenantId | string, now: Date): Promise<UsageReport> {
  const period = periodOf(now);
  return withAuditOperator(operator, tenantId, async (tx) => {
    const limits = await readTenantLimits(tx, tx.tenantId, catalog);
    const used = await readPeriodUsage(tx, catalog, tx.tenantId, period);
    const meters = Object.entries(catalog.meters).filter(([, spec]) => spec.kind !== 'rate').map(([meter, spec]) => ({
      meter, used: used[meter] ?? 0, limit: limits.limits[meter]?.hard ?? null, softLimit: limits.limits[meter]?.soft ?? null, unit: spec.unit,
    }));
    return { plan: limits.plan.name, period: { start: period.start, end: period.end }, meters };
  });
}
