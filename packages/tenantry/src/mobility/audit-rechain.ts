// The audit log of an archive: its chain is verified as the source's (the tenant id is inside
// every hash), then re-chained onto the target tenant's log, event by event, with the events'
// own times, actors and details. Signed checkpoints cannot travel: they sign the source's head.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { auditEventHash, GENESIS_HASH, type AuditEventContent, type JsonObject } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { mobilityErrors } from './errors.js';
import type { ManifestTable } from './manifest.js';

/** The NDJSON rows of a spooled table file, as named values, one at a time. */
export async function* fileRows(path: string, table: ManifestTable): AsyncGenerator<(string | null)[]> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    let values: unknown;
    try {
      values = JSON.parse(line);
    } catch {
      throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: 'a row is not JSON', table: table.name } });
    }
    if (!Array.isArray(values) || values.length !== table.columns.length || !values.every((v) => v === null || typeof v === 'string')) {
      throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: 'a row does not match the table\'s columns', table: table.name } });
    }
    yield values as (string | null)[];
  }
}

/** `2025-01-31 12:00:00.1+00` (timestamptz in UTC, ISO DateStyle) → `2025-01-31T12:00:00.100000Z`, the hashed form. */
function hashedTime(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/.exec(text);
  if (match === null) throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: 'an audit event\'s time is malformed', table: 'tenantry.audit_events' } });
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(6, '0')}Z`;
}

export interface SourceChain {
  readonly events: number;
  readonly headSeq: number;
  readonly headHash: string;
}

type EventRow = AuditEventContent & { readonly hash: string };

async function* events(path: string, table: ManifestTable, tenantId: string): AsyncGenerator<EventRow> {
  const at = (name: string) => {
    const i = table.columns.findIndex((c) => c.name === name);
    if (i < 0) throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: `the audit log lacks column ${name}`, table: table.name } });
    return i;
  };
  const col = { tenant: at('tenant_id'), seq: at('seq'), prev: at('prev_hash'), hash: at('hash'), time: at('occurred_at'), actor: at('actor'), action: at('action'), target: at('target'), request: at('request_id'), details: at('details') };
  for await (const v of fileRows(path, table)) {
    if (v[col.tenant] !== tenantId) throw mobilityErrors.create('IMPORT_FOREIGN_ROW', { details: { table: table.name } });
    yield {
      tenantId: tenantId as TenantId,
      seq: Number(v[col.seq]),
      prevHash: String(v[col.prev]),
      hash: String(v[col.hash]),
      time: hashedTime(String(v[col.time])),
      actor: String(v[col.actor]),
      action: String(v[col.action]),
      target: v[col.target] ?? null,
      requestId: v[col.request] ?? null,
      details: JSON.parse(String(v[col.details])) as JsonObject,
    };
  }
}

/** Checks the archive's audit chain as the source's: every hash, every link, no gap. */
export async function verifySourceChain(path: string, table: ManifestTable, sourceId: string): Promise<SourceChain> {
  let seq = 0;
  let hash = GENESIS_HASH;
  for await (const event of events(path, table, sourceId)) {
    const { hash: stored, ...content } = event;
    if (event.seq !== seq + 1 || event.prevHash !== hash || auditEventHash(content) !== stored) {
      throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: `the archive's audit chain breaks at seq ${event.seq}`, table: table.name } });
    }
    seq = event.seq;
    hash = stored;
  }
  return { events: seq, headSeq: seq, headHash: hash };
}

const INSERT_EVENT = `INSERT INTO tenantry.audit_events (tenant_id, seq, prev_hash, hash, occurred_at, actor, action, target, request_id, details)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

/**
 * Appends the archive's events to `target`'s chain, after what it already holds (a new tenant's
 * `tenant.create`). `q` is a transaction of `target`; the head row is locked first, as every
 * append does, so the chain cannot fork.
 */
export async function rechainEvents(q: SqlQueryable, path: string, table: ManifestTable, sourceId: string, target: TenantId): Promise<number> {
  const { rows: [head] } = await q.query<{ seq: string; hash: string }>(
    `INSERT INTO tenantry.audit_heads AS h (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq RETURNING h.seq::text AS seq, h.hash`,
    [target],
  );
  let seq = Number(head?.seq ?? 0);
  let prevHash = head?.hash ?? GENESIS_HASH;
  let count = 0;
  for await (const source of events(path, table, sourceId)) {
    const content: AuditEventContent = {
      tenantId: target, seq: seq + 1, prevHash, time: source.time, actor: source.actor, action: source.action,
      target: source.target, requestId: source.requestId, details: source.details,
    };
    const hash = auditEventHash(content);
    await q.query(INSERT_EVENT, [target, content.seq, prevHash, hash, content.time, content.actor, content.action, content.target, content.requestId, JSON.stringify(content.details)]);
    seq = content.seq;
    prevHash = hash;
    count += 1;
  }
  return count;
}
