// appendAuditEvent: adds an event to the tenant's chain inside the transaction of the change it
// records, with concurrent appends for one tenant serialized on the chain's head row.
import { isTenantryError, systemClock, type Clock } from '../core/index.js';
import type { SqlQueryable, TenantScope, TenantTransaction } from '../postgres/index.js';
import { auditEventHash, auditTime, checkAuditEventInput, type AuditEvent, type AuditEventInput, type CheckedAuditEventInput } from './audit-event.js';
import { AuditOperatorTransaction } from './audit-operator.js';
import { auditStatements, seqNumber } from './audit-reader.js';
import { auditErrors } from './errors.js';

export interface AppendAuditEventOptions {
  /** Where the event's time comes from (default: the system clock). */
  readonly clock?: Clock;
}

// Creates the head on the tenant's first event and locks it in every case. ON CONFLICT DO
// UPDATE waits for a concurrent appender's lock and then returns the row as that appender
// committed it, even under READ COMMITTED's older snapshot: so two appends never read the same
// head, and the chain cannot fork (docs/isolation-rules.md rule 19). The head row locks only
// this tenant: under row-level security no tenant can lock another's.
const LOCK_HEAD = `INSERT INTO tenantry.audit_heads AS h (tenant_id) VALUES ($1)
  ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq
  RETURNING h.seq::text AS seq, h.hash`;

// The table's BEFORE INSERT trigger checks that (seq, prev_hash) extend the head and moves the
// head; the primary key (tenant_id, seq) is the last word against a fork.
const INSERT_EVENT = `INSERT INTO tenantry.audit_events
  (tenant_id, seq, prev_hash, hash, occurred_at, actor, action, target, request_id, details)
  VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7, $8, $9, $10::jsonb)`;

/** SQLSTATE raised by the trigger when the event does not extend the head (migration 0004). */
const HEAD_MOVED = 'TA409';

async function appendIn(tx: TenantTransaction | AuditOperatorTransaction, input: CheckedAuditEventInput, clock: Clock): Promise<AuditEvent> {
  const statements: SqlQueryable = auditStatements(tx);
  const { rows } = await statements.query<{ seq: string; hash: string }>(LOCK_HEAD, [tx.tenantId]);
  const head = rows[0] as { seq: string; hash: string };
  // The time is read after the lock, so on one clock times follow seq order.
  const content = {
    tenantId: tx.tenantId,
    seq: seqNumber(head.seq) + 1,
    prevHash: head.hash,
    time: auditTime(clock.now()),
    actor: input.actor,
    action: input.action,
    target: input.target,
    requestId: input.requestId,
    details: input.details,
  };
  const event: AuditEvent = { ...content, hash: auditEventHash(content) };
  try {
    await statements.query(INSERT_EVENT, [
      event.tenantId, event.seq, event.prevHash, event.hash, event.time,
      event.actor, event.action, event.target, event.requestId, input.detailsJson,
    ]);
  } catch (err) {
    if (isTenantryError(err) && err.details.sqlstate === HEAD_MOVED) throw auditErrors.create('AUDIT_CHAIN_CONFLICT', { cause: err });
    throw err;
  }
  return event;
}

/**
 * Appends an event to the tenant's audit chain and returns it (with its seq and hash). Pass
 * the transaction of the change it records, so both commit or neither does; given a tenant
 * scope it runs its own small transaction. Concurrent appends for one tenant wait for each other
 * (for the rest of the first one's transaction: append late in long transactions). Throws
 * AUDIT_EVENT_INVALID for a bad event before anything is sent.
 *
 * @example
 * await db.transaction(tenantId, async (tx) => {
 *   await tx.query('UPDATE members SET role = $2 WHERE id = $1', [memberId, 'admin']);
 *   await appendAuditEvent(tx, {
 *     actor: `user:${userId}`, action: 'member.role_change', target: `member:${memberId}`,
 *     requestId, details: { role: 'admin' },
 *   });
 * });
 */
export async function appendAuditEvent(
  target: TenantTransaction | TenantScope | AuditOperatorTransaction,
  event: AuditEventInput,
  options: AppendAuditEventOptions = {},
): Promise<AuditEvent> {
  const input = checkAuditEventInput(event);
  const clock = options.clock ?? systemClock;
  // The head lock must be held until the event is in: a scope's statements each commit alone.
  if ('transaction' in target && typeof target.transaction === 'function') return target.transaction((tx) => appendIn(tx, input, clock));
  return appendIn(target as TenantTransaction | AuditOperatorTransaction, input, clock);
}
