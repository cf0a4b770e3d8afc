// queryAuditEvents: a page of the tenant's audit events, filtered, in a stable seq order, with
// a keyset cursor (no OFFSET: pages stay cheap and stable while events are appended).
import { auditTime, type AuditEvent } from './audit-event.js';
import { auditStatements, EVENT_SELECT, toAuditEvent, type AuditReader, type EventRow } from './audit-reader.js';
import { auditErrors } from './errors.js';

export interface AuditQuery {
  readonly actor?: string;
  readonly action?: string;
  readonly target?: string;
  /** Events recorded at or after this time. */
  readonly since?: Date;
  /** Events recorded before this time. */
  readonly until?: Date;
  /** `oldest-first` (default, seq ascending) or `newest-first`. */
  readonly order?: 'oldest-first' | 'newest-first';
  /** 1–500, default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page (same filters and order). */
  readonly cursor?: string;
}

export interface AuditPage {
  readonly events: readonly AuditEvent[];
  /** Absent on the last page. */
  readonly nextCursor?: string;
}

const QUERY_KEYS = new Set(['actor', 'action', 'target', 'since', 'until', 'order', 'limit', 'cursor']);

function invalid(field: string, reason: string): never {
  throw auditErrors.create('AUDIT_QUERY_INVALID', { details: { field, reason } });
}

function filterText(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 512) invalid(field, 'must be a string of 1–512 characters');
  return value;
}

function filterTime(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) invalid(field, 'must be a valid Date');
  try {
    return auditTime(value);
  } catch {
    return invalid(field, 'must be a Date in the years 1–9999');
  }
}

interface Cursor {
  readonly order: 'a' | 'd';
  readonly seq: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ v: 1, o: cursor.order, s: cursor.seq })).toString('base64url');
}

function decodeCursor(text: unknown, order: 'a' | 'd'): number {
  try {
    if (typeof text !== 'string') throw new Error('not a string');
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { v?: unknown; o?: unknown; s?: unknown };
    if (value.v !== 1 || value.o !== order || typeof value.s !== 'number' || !Number.isSafeInteger(value.s) || value.s < 0) throw new Error('bad cursor');
    return value.s;
  } catch {
    throw auditErrors.create('AUDIT_CURSOR_INVALID');
  }
}

/**
 * One page of the tenant's events matching every filter given, ordered by seq.
 *
 * @example
 * const page = await db.withTenant(tenantId, (scope) =>
 *   queryAuditEvents(scope, { action: 'member.invite', since: lastWeek, limit: 20, cursor }));
 * render(page.events); next = page.nextCursor;
 */
export async function queryAuditEvents(reader: AuditReader, query: AuditQuery = {}): Promise<AuditPage> {
  if (query === null || typeof query !== 'object') invalid('query', 'must be an object');
  for (const key of Object.keys(query)) if (!QUERY_KEYS.has(key)) invalid(key, 'unknown field');
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) invalid('limit', 'an integer from 1 to 500');
  if (query.order !== undefined && query.order !== 'oldest-first' && query.order !== 'newest-first') invalid('order', 'oldest-first or newest-first');
  const order = query.order === 'newest-first' ? 'd' : 'a';

  // Only the filters given go into the text: each combination is its own prepared statement,
  // planned for the index it can use, instead of one `$n IS NULL OR …` plan for all.
  const values: unknown[] = [reader.tenantId];
  const where = ['tenant_id = $1'];
  const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${values.push(value)}`));
  const actor = filterText('actor', query.actor);
  if (actor !== undefined) add('actor = ?', actor);
  const action = filterText('action', query.action);
  if (action !== undefined) add('action = ?', action);
  const target = filterText('target', query.target);
  if (target !== undefined) add('target = ?', target);
  const since = filterTime('since', query.since);
  if (since !== undefined) add('occurred_at >= ?::timestamptz', since);
  const until = filterTime('until', query.until);
  if (until !== undefined) add('occurred_at < ?::timestamptz', until);
  if (query.cursor !== undefined) add(order === 'a' ? 'seq > ?' : 'seq < ?', decodeCursor(query.cursor, order));

  const { rows } = await auditStatements(reader).query<EventRow>(
    `${EVENT_SELECT} WHERE ${where.join(' AND ')} ORDER BY seq ${order === 'a' ? 'ASC' : 'DESC'} LIMIT $${values.push(limit + 1)}`,
    values,
  );
  const events = rows.slice(0, limit).map(toAuditEvent);
  const last = events.at(-1);
  return rows.length > limit && last ? { events, nextCursor: encodeCursor({ order, seq: last.seq }) } : { events };
}
