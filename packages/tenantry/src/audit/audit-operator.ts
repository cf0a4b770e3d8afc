// The operator's way into one tenant's audit chain: a transaction on an operator-role
// connection with that tenant set, for cross-tenant work (checkpoints, `tenantry audit verify`,
// lifecycle events recorded in the registry's own transaction).
import { coreErrors, isTenantryError, parseTenantId, type TenantId, type TenantryError } from '../core/index.js';
import type { SqlConnection, SqlPool, SqlQueryable, SqlResult } from '../postgres/index.js';
import { auditErrors } from './errors.js';

/** Maps a driver error to a stable code. */
export async function databaseError(err: unknown): Promise<TenantryError> {
  if (isTenantryError(err)) return err;
  // Loaded lazily: the postgres capability loads the `pg` driver, and this folder's offline
  // verifier must load where no driver is installed (a tenant checking its export).
  const { toTenantryError } = await import('../postgres/index.js');
  return toTenantryError(err);
}

/**
 * Statements for one tenant inside an operator transaction. The operator role is bound by the
 * same row-level policy as the app role, so only this tenant's rows are seen and written; the
 * tenant's status is not checked (a suspended or offboarding tenant's chain is still
 * checkpointed and verified). Made by {@link withAuditOperator} or {@link operatorAuditTransaction}.
 *
 * @example await withAuditOperator(operator, tenantId, (tx) => appendAuditEvent(tx, { actor: 'operator:ann', action: 'tenant.impersonate' }));
 */
// Transactions in which a statement failed. Tracked here, not read from the connection's
// status: pg rejects a query on the ErrorResponse, before the ReadyForQuery that updates it.
const failed = new WeakSet<AuditOperatorTransaction>();

export class AuditOperatorTransaction implements SqlQueryable {
  readonly #connection: SqlConnection;

  constructor(
    readonly tenantId: TenantId,
    connection: SqlConnection,
  ) {
    this.#connection = connection;
  }

  async query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> {
    try {
      return await this.#connection.query<Row>(text, values);
    } catch (err) {
      failed.add(this);
      throw await databaseError(err);
    }
  }
}

/**
 * Joins a transaction the caller already opened on an operator connection and sets `tenantId`
 * for the rest of it (transaction-local, like every tenant setting). For appending an audit
 * event in the same transaction as a registry change.
 *
 * @example
 * await connection.query('BEGIN');
 * await connection.query('UPDATE tenantry.tenants SET status = $2 WHERE id = $1', [id, 'suspended']);
 * await appendAuditEvent(await operatorAuditTransaction(connection, id), { actor: 'operator:ann', action: 'tenant.suspend' });
 * await connection.query('COMMIT');
 */
export async function operatorAuditTransaction(connection: SqlConnection, tenantId: TenantId | string): Promise<AuditOperatorTransaction> {
  const id = parseTenantId(tenantId);
  // Outside a transaction the setting would end with this very statement.
  if (connection.transactionStatus !== 'in-transaction') throw auditErrors.create('AUDIT_TRANSACTION_REQUIRED');
  const tx = new AuditOperatorTransaction(id, connection);
  await tx.query("SELECT pg_catalog.set_config('app.tenant_id', $1, true)", [id]);
  return tx;
}

/**
 * Runs `fn` in one operator-role transaction for `tenantId`: committed when it resolves,
 * rolled back when it throws.
 *
 * @example
 * const result = await withAuditOperator(operatorPool, tenantId, (tx) => verifyAuditChain(tx, { keys }));
 */
export async function withAuditOperator<T>(operator: SqlPool, tenantId: TenantId | string, fn: (tx: AuditOperatorTransaction) => Promise<T>): Promise<T> {
  const id = parseTenantId(tenantId);
  let connection: SqlConnection;
  try {
    connection = await operator.connect();
  } catch (err) {
    throw await databaseError(err);
  }
  // Returned to the pool only after a COMMIT or ROLLBACK that went through; otherwise its
  // state is unknown and it is destroyed (docs/isolation-rules.md rule 12).
  let clean = false;
  try {
    await connection.query('BEGIN');
    let result: T;
    try {
      const tx = await operatorAuditTransaction(connection, id);
      result = await fn(tx);
      // COMMIT of a failed transaction is a silent ROLLBACK: never report that as success.
      if (failed.has(tx) || connection.transactionStatus === 'failed') throw coreErrors.create('INTERNAL', { message: 'A statement of the operator audit transaction failed and was swallowed.' });
    } catch (err) {
      await connection.query('ROLLBACK');
      clean = true;
      throw err;
    }
    await connection.query('COMMIT');
    clean = true;
    return result;
  } catch (err) {
    throw await databaseError(err);
  } finally {
    connection.release(clean ? undefined : new Error('the operator audit transaction did not end cleanly'));
  }
}
