// Quota pressure for the health reports: per tenant, the highest used / hard limit over its
// meters (1 = at a limit), read from the quota capability inside each tenant's own transaction
// (its isolation applies; a few tenants at a time, so a report never takes the whole pool).
import { countMembers } from 'tenantry/control';
import type { HealthSubject, QuotaPressureReader } from 'tenantry/health';
import type { TenantDatabase } from 'tenantry/postgres';
import type { Quotas, UsageReport } from 'tenantry/quota';

const AT_ONCE = 4;

/** null when no meter of the report has a hard limit. */
export function pressureOf(report: UsageReport): number | null {
  let highest: number | null = null;
  for (const meter of report.meters) {
    if (meter.limit === null) continue;
    const ratio = meter.limit === 0 ? (meter.used > 0 ? Infinity : 0) : meter.used / meter.limit;
    highest = highest === null ? ratio : Math.max(highest, ratio);
  }
  return highest;
}

/**
 * @example startHealthServices(operator, { logger, quotaPressure: quotaPressureReader(db, quotas) });
 */
export function quotaPressureReader(db: TenantDatabase, quotas: Quotas): QuotaPressureReader {
  return async (tenants: readonly HealthSubject[]) => {
    const pressure = new Map<string, number | null>();
    for (let i = 0; i < tenants.length; i += AT_ONCE) {
      await Promise.all(tenants.slice(i, i + AT_ONCE).map(async (tenant) => {
        // A tenant that cannot be read now (suspended since the report listed it) has no figure;
        // the others still do.
        const report = await db.transaction(tenant.id, (tx) => quotas.usage(tx, { members: () => countMembers(tx) })).catch(() => undefined);
        pressure.set(tenant.id, report === undefined ? null : pressureOf(report));
      }));
    }
    return pressure;
  };
}
