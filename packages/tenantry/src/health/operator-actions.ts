// The record of operators' cross-tenant reads (analytics, health, alerts, billing export, a
// tenant's audit log): one append-only row in tenantry.operator_actions per read.
import { randomUUID } from 'node:crypto';
import type { Clock, TenantId } from '../core/index.js';
import { withPoolTransaction, type SqlConnection, type SqlPool } from '../postgres/index.js';

/** Who reads: `operator:<id>` and the request it came with. */
export interface OperatorReader {
  readonly actor: string;
  readonly requestId?: string;
}

export interface OperatorAction {
  readonly action: string;
  readonly subjectTenant?: TenantId;
  readonly details?: Readonly<Record<string, unknown>>;
}

const INSERT = `INSERT INTO tenantry.operator_actions (id, occurred_at, actor, action, subject_tenant, request_id, details)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

/**
 * Records an operator action on its own, before the work it describes (a streamed export, a
 * read through another capability's transaction): if the record cannot be written, the caller
 * does not go on.
 *
 * @example await recordOperatorAction(operator, clock, { actor: 'operator:ann', requestId }, { action: 'billing.export', details: { period } });
 */
export async function recordOperatorAction(operator: SqlPool, clock: Clock, reader: OperatorReader, action: OperatorAction): Promise<void> {
  await auditedRead(operator, clock, reader, action, async () => undefined);
}

/**
 * Runs `read` in one operator transaction that first records the action: a read whose record
 * could not be written returns nothing (audit first, like the registry's changes).
 *
 * @example
 * const counts = await auditedRead(operator, clock, { actor: 'operator:ann' }, { action: 'analytics.distribution' }, (c) => c.query('…'));
 */
export function auditedRead<T>(operator: SqlPool, clock: Clock, reader: OperatorReader, action: OperatorAction, read: (connection: SqlConnection) => Promise<T>): Promise<T> {
  return withPoolTransaction(operator, async (connection) => {
    await recordOperatorActionIn(connection, clock, reader, action);
    return read(connection);
  });
}

/**
 * Records an action inside the caller's operator transaction, for a change whose subject is
 * known only once it is made (an alert's tenant): the record and the change commit together.
 *
 * @example await withPoolTransaction(operator, async (c) => { const row = await change(c); await recordOperatorActionIn(c, clock, reader, { action: 'alert.resolve', subjectTenant: row.tenant }); });
 */
export async function recordOperatorActionIn(connection: SqlConnection, clock: Clock, reader: OperatorReader, action: OperatorAction): Promise<void> {
  await connection.query(INSERT, [
    randomUUID(), clock.now().toISOString(), reader.actor, action.action,
    action.subjectTenant ?? null, reader.requestId ?? null, JSON.stringify(action.details ?? {}),
  ]);
}
