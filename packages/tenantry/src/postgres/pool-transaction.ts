// One transaction on one pooled connection, for cross-tenant work on the operator pool (registry
// transitions, key re-wrapping, control registries): committed when the work resolves, rolled
// back when it throws, and the connection destroyed when even the rollback fails (rule 12).
import { toTenantryError } from './errors.js';
import type { SqlConnection, SqlPool } from './sql-client.js';

/**
 * Runs `work` in BEGIN … COMMIT on one connection of `pool`. Errors leave as TenantryErrors.
 *
 * @example
 * await withPoolTransaction(operator, (c) => c.query('UPDATE tenantry.tenants SET plan = $2 WHERE id = $1', [id, plan]));
 */
export async function withPoolTransaction<T>(pool: SqlPool, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
  let connection: SqlConnection;
  try {
    connection = await pool.connect();
  } catch (err) {
    throw toTenantryError(err);
  }
  try {
    await connection.query('BEGIN');
    const result = await work(connection);
    await connection.query('COMMIT');
    connection.release();
    return result;
  } catch (err) {
    try {
      await connection.query('ROLLBACK');
      connection.release();
    } catch (rollbackError) {
      connection.release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
    }
    throw toTenantryError(err);
  }
}
