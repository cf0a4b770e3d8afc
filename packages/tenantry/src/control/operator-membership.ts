// Who owns a tenant and how many seats it uses, as an operator reads it for any status: the
// members table's key and role columns only (migrations 0011, 0027), under its row-level policy.
import { withAuditOperator } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';

export interface MembershipSummary {
  /** Members counted as seats. */
  readonly seats: number;
  /** User ids with the built-in owner role, sorted. */
  readonly owners: readonly string[];
}

/**
 * @example const { seats, owners } = await readMembershipAsOperator(operator, tenantId);
 */
export function readMembershipAsOperator(operator: SqlPool, tenantId: TenantId | string): Promise<MembershipSummary> {
  return withAuditOperator(operator, tenantId, async (tx) => {
    const { rows } = await tx.query<{ seats: string; owners: string[] }>(
      `SELECT count(*) AS seats, coalesce(array_agg(user_id ORDER BY user_id) FILTER (WHERE builtin_role = 'owner'), '{}') AS owners
         FROM tenantry.members WHERE tenant_id = $1`, [tx.tenantId]);
    return { seats: Number(rows[0]?.seats ?? 0), owners: rows[0]?.owners ?? [] };
  });
}
