// AuditReader: the handles audit statements run through, and the constant SQL that reads a
// chain's events, checkpoints and bounds back in the exact form they were hashed and signed.
import { coreErrors, type TenantId } from '../core/index.js';
import type { SqlQueryable, TenantScope, TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import type { AuditCheckpoint, AuditCheckpointAlgorithm } from './audit-checkpoint.js';
import type { AuditEvent } from './audit-event.js';
import type { JsonObject } from './canonical-json.js';
import { AuditOperatorTransaction } from './audit-operator.js';

/**
 * Where audit statements run: a tenant scope or transaction (the app role, under the tenant's
 * row-level security), or an operator transaction for one tenant (withAuditOperator).
 */
export type AuditReader = TenantScope | TenantTransaction | AuditOperatorTransaction;

/**
 * The reader's statements without the SQL guard: the guard refuses Tenantry's internal tables
 * to application SQL (so the application cannot forge or read the chain around this module),
 * and these constant statements are the one way in.
 */
export function auditStatements(reader: AuditReader): SqlQueryable {
  return reader instanceof AuditOperatorTransaction ? reader : unguardedQuery(reader);
}

/** Reads `occurred_at` back with all six fractional digits, in UTC, whatever the session's TimeZone. */
const TIME = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const EVENT_SELECT = `SELECT tenant_id::text AS "tenantId", seq, prev_hash AS "prevHash", hash,
       ${TIME.replace('%s', 'occurred_at')} AS time,
       actor, action, target, request_id AS "requestId", details
  FROM tenantry.audit_events`;

export interface EventRow {
  tenantId: string; seq: string | number; prevHash: string; hash: string; time: string;
  actor: string; action: string; target: string | null; requestId: string | null; details: JsonObject;
}

// `seq` is selected as itself, never `seq::text AS seq`: ORDER BY seq would then sort the text.
// pg hands a bigint over as a string (or as a number where the application set a parser).

/** A bigint column's value as a number (chains never come near 2^53 events). */
export function seqNumber(value: string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw coreErrors.create('INTERNAL', { message: 'An audit sequence number is out of range.' });
  return n;
}

export function toAuditEvent(row: EventRow): AuditEvent {
  return {
    tenantId: row.tenantId as TenantId,
    seq: seqNumber(row.seq),
    prevHash: row.prevHash,
    hash: row.hash,
    time: row.time,
    actor: row.actor,
    action: row.action,
    target: row.target,
    requestId: row.requestId,
    details: row.details,
  };
}

interface CheckpointRow {
  tenantId: string; seq: string | number; hash: string; time: string; keyId: string; algorithm: AuditCheckpointAlgorithm; signature: string;
}

export const CHECKPOINT_SELECT = `SELECT tenant_id::text AS "tenantId", seq, hash,
       ${TIME.replace('%s', 'created_at')} AS time,
       key_id AS "keyId", algorithm, signature
  FROM tenantry.audit_checkpoints`;

export function toAuditCheckpoint(row: CheckpointRow): AuditCheckpoint {
  return { tenantId: row.tenantId as TenantId, seq: seqNumber(row.seq), hash: row.hash, time: row.time, keyId: row.keyId, algorithm: row.algorithm, signature: row.signature };
}

/** Every checkpoint of the reader's tenant, oldest first. */
export async function readCheckpoints(reader: AuditReader): Promise<AuditCheckpoint[]> {
  const { rows } = await auditStatements(reader).query<CheckpointRow>(`${CHECKPOINT_SELECT} WHERE tenant_id = $1 ORDER BY seq, key_id`, [reader.tenantId]);
  return rows.map(toAuditCheckpoint);
}

/**
 * The stored head's seq and the highest event seq, read in one statement (one snapshot). Read
 * it *after* the checkpoints: then every checkpoint read is at or below the chain's end unless
 * the tail was deleted, and appends that race the reader never look like a truncation.
 */
export async function readBounds(reader: AuditReader): Promise<{ headSeq: number; lastSeq: number; upTo: number }> {
  const { rows } = await auditStatements(reader).query<{ head: string | null; last: string | null }>(
    `SELECT (SELECT seq FROM tenantry.audit_heads WHERE tenant_id = $1)::text AS head,
            (SELECT max(seq) FROM tenantry.audit_events WHERE tenant_id = $1)::text AS last`,
    [reader.tenantId],
  );
  const headSeq = seqNumber(rows[0]?.head ?? '0');
  const lastSeq = seqNumber(rows[0]?.last ?? '0');
  return { headSeq, lastSeq, upTo: Math.max(headSeq, lastSeq) };
}

/**
 * The reader's events with `after < seq <= upTo`, in seq order, a page at a time: memory stays
 * one page however long the chain.
 */
export async function* readEvents(reader: AuditReader, after: number, upTo: number, pageSize: number): AsyncGenerator<AuditEvent> {
  const statements = auditStatements(reader);
  let cursor = after;
  for (;;) {
    const { rows } = await statements.query<EventRow>(
      `${EVENT_SELECT} WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
      [reader.tenantId, cursor, upTo, pageSize],
    );
    for (const row of rows) yield toAuditEvent(row);
    const last = rows.at(-1);
    if (rows.length < pageSize || last === undefined) return;
    cursor = seqNumber(last.seq);
    if (cursor >= upTo) return;
  }
}
