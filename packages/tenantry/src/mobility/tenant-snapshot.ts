// One consistent, read-only view of one tenant's data: a REPEATABLE READ transaction on an
// app-role connection, with the tenant set transaction-locally. Every table is read from the
// same snapshot, and row-level security (the app role never bypasses it) confines every read
// to this tenant whatever a statement says.
import { coreErrors, parseTenantId, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlConnection, type SqlPool, type SqlQueryable } from '../postgres/index.js';

/**
 * Session settings a value's text form depends on, pinned for the transaction so an export
 * and the import's verification spell every value the same way on any server.
 */
export const TEXT_SETTINGS = `SELECT pg_catalog.set_config('DateStyle', 'ISO, YMD', true), pg_catalog.set_config('IntervalStyle', 'postgres', true),
  pg_catalog.set_config('extra_float_digits', '3', true), pg_catalog.set_config('bytea_output', 'hex', true),
  pg_catalog.set_config('TimeZone', 'UTC', true)`;

/**
 * Runs `fn` in a read-only snapshot of `tenantId` on `app` (a pool of the **app** role). Not
 * through the tenant gate: the gate admits only READ COMMITTED (docs/isolation-rules.md rule
 * 26) and only active tenants, while an export must see one snapshot and must work for a
 * suspended or offboarding tenant too. Nothing can be written (READ ONLY), and the policy
 * still confines every row to the tenant set here.
 *
 * @example await withTenantSnapshot(appPool, tenantId, (q) => q.query('SELECT count(*) FROM notes'));
 */
export async function withTenantSnapshot<T>(app: SqlPool, tenantId: TenantId | string, fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
  const id = parseTenantId(tenantId);
  let connection: SqlConnection;
  try {
    connection = await app.connect();
  } catch (err) {
    throw toTenantryError(err);
  }
  // Back to the pool only after a ROLLBACK that went through (docs/isolation-rules.md rule 12).
  let clean = false;
  try {
    await connection.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await connection.query("SELECT pg_catalog.set_config('app.tenant_id', $1, true)", [id]);
      await connection.query(TEXT_SETTINGS);
      return await fn(connection);
    } finally {
      await connection.query('ROLLBACK');
      clean = true;
    }
  } catch (err) {
    throw err instanceof Error && 'code' in err && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? toTenantryError(err) : err;
  } finally {
    connection.release(clean ? undefined : coreErrors.create('INTERNAL', { message: 'the tenant snapshot did not end cleanly' }));
  }
}

/**
 * The rows of `select` in batches, through a cursor of the transaction `q` is in: memory holds
 * one batch however large the table is.
 */
export async function* cursorRows(q: SqlQueryable, select: string, batchRows = 2000): AsyncGenerator<Record<string, string | null>[]> {
  await q.query(`DECLARE tenantry_rows NO SCROLL CURSOR FOR ${select}`);
  try {
    for (;;) {
      const { rows } = await q.query<Record<string, string | null>>(`FETCH ${batchRows} FROM tenantry_rows`);
      if (rows.length === 0) return;
      yield rows;
    }
  } finally {
    await q.query('CLOSE tenantry_rows').catch(() => undefined);
  }
}
