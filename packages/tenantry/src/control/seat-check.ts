// The seat limit of members: a check that runs inside the transaction that adds a member (add,
// or accepting an invitation), before the insert. The library owns it, not the routes, so every
// way into the members table is covered, and the count is taken under the quota row's lock, so
// two concurrent additions cannot both take the last seat.
import type { Quotas } from '../quota/index.js';
import type { TenantTransaction } from '../postgres/index.js';
import { sqlOf } from './control-sql.js';

/**
 * Refuses (throws, e.g. QUOTA_EXCEEDED) when one more member would pass the tenant's limit.
 * `countMembers` counts the tenant's members now; call it only once the check holds its lock.
 */
export type SeatCheck = (tx: TenantTransaction, countMembers: () => Promise<number>) => Promise<void>;

/** The tenant's members, counted in the transaction. */
export async function countMembers(tx: TenantTransaction): Promise<number> {
  const { rows } = await sqlOf(tx).query<{ n: string }>('SELECT count(*) AS n FROM tenantry.members WHERE tenant_id = $1', [tx.tenantId]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The seat check of the quota capability's level meter `meter` (default `members`): its hard
 * limit from the tenant's plan and overrides, warnings and alerts like any other meter.
 *
 * @example const control = createControlPlane({ db, operator, encryption, seatCheck: quotaSeatCheck(quotas) });
 */
export function quotaSeatCheck(quotas: Quotas, meter = 'members'): SeatCheck {
  quotas.catalog.meter(meter);
  return async (tx, count) => {
    await quotas.admitLevel(tx, meter, count, 1);
  };
}
