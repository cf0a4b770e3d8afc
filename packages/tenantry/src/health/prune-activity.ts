// Retention of the activity rollups: buckets older than the longest analytics window are dropped.
import type { SqlQueryable } from '../postgres/index.js';

/**
 * Deletes activity buckets that started before `before`; returns how many. Run it daily with
 * a cut-off at least 31 days back (the longest default window of the analytics).
 *
 * @example await pruneActivity(operatorPool, new Date(Date.now() - 90 * 86_400_000));
 */
export async function pruneActivity(operator: SqlQueryable, before: Date): Promise<number> {
  const { rowCount } = await operator.query('DELETE FROM tenantry.tenant_activity WHERE bucket_start < $1', [before.toISOString()]);
  return rowCount ?? 0;
}
