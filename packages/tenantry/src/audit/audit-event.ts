// An audit event: what an append may carry, what is stored, and the hash that chains it to the
// event before it.
import { createHash } from 'node:crypto';
import type { TenantId } from '../core/index.js';
import { canonicalJson, jsonProblem, stringProblem, type JsonObject } from './canonical-json.js';
import { auditErrors } from './errors.js';

/** The `prevHash` of a chain's first event. */
export const GENESIS_HASH = '0'.repeat(64);
/** Names (and versions) the hashed encoding, so an event hash can never equal a checkpoint's input. */
export const AUDIT_EVENT_TYPE = 'tenantry.audit.event/v1';

/** What the caller says happened. Time, sequence number and hashes are the log's to set. */
export interface AuditEventInput {
  /** Who did it: `user:<id>`, `api-key:<prefix>`, `operator:<name>`, `system` … (1–256 characters). */
  readonly actor: string;
  /** What was done, lower-case and dotted: `member.invite`, `tenant.suspend` (1–128 of a–z 0–9 _ . : -). */
  readonly action: string;
  /** What it was done to: `member:<id>`, `setting:billing.email` … (1–512 characters). */
  readonly target?: string;
  /** The request that did it, to find it in the logs (1–256 characters). */
  readonly requestId?: string;
  /** Anything else worth keeping: a plain JSON object of at most 64 KiB. Never secrets. */
  readonly details?: JsonObject;
}

/** One event of a tenant's chain, as stored and exported. */
export interface AuditEvent {
  readonly tenantId: TenantId;
  /** 1, 2, 3 … per tenant, without gaps. */
  readonly seq: number;
  /** `hash` of event `seq - 1`; {@link GENESIS_HASH} for the first event. */
  readonly prevHash: string;
  /** SHA-256 (hex) of the event's canonical encoding, see {@link auditEventHash}. */
  readonly hash: string;
  /** When it was recorded: ISO 8601 in UTC with exactly six fractional digits (`2025-01-31T12:00:00.123000Z`). */
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly requestId: string | null;
  readonly details: JsonObject;
}

/** The fields an event's hash covers: all of them but the hash itself. */
export type AuditEventContent = Omit<AuditEvent, 'hash'>;

/**
 * The canonical encoding of an event: the RFC 8785 (JCS) text of
 * `{ type: 'tenantry.audit.event/v1', tenantId, seq, prevHash, time, actor, action, target,
 * requestId, details }` — keys sorted, `target` and `requestId` `null` when absent, `time` as
 * stored (six fractional digits, so it round-trips through timestamptz exactly). The tenant id
 * is inside so an event copied into another tenant's chain does not verify there.
 *
 * @example canonicalAuditEvent(event) // '{"action":"member.invite","actor":"user:1",…,"type":"tenantry.audit.event/v1"}'
 */
export function canonicalAuditEvent(event: AuditEventContent): string {
  return canonicalJson({
    type: AUDIT_EVENT_TYPE,
    tenantId: event.tenantId,
    seq: event.seq,
    prevHash: event.prevHash,
    time: event.time,
    actor: event.actor,
    action: event.action,
    target: event.target,
    requestId: event.requestId,
    details: event.details,
  });
}

/**
 * SHA-256, in lower-case hex, of the UTF-8 bytes of {@link canonicalAuditEvent}.
 *
 * @example const ok = auditEventHash(event) === event.hash;
 */
export function auditEventHash(event: AuditEventContent): string {
  return createHash('sha256').update(canonicalAuditEvent(event), 'utf8').digest('hex');
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The stored form of a time: UTC, microsecond precision, the precision of timestamptz, so
 * what is hashed before the insert is exactly what is read back (a Date holds milliseconds;
 * the last three digits are zero).
 *
 * @example auditTime(new Date('2025-01-31T12:00:00.123Z')) // '2025-01-31T12:00:00.123000Z'
 */
export function auditTime(date: Date): string {
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  // Years before 1 or past 9999 print as ±YYYYYY, which timestamptz does not read back the same.
  if (!ISO_MILLIS.test(iso) || iso.startsWith('0000')) {
    throw auditErrors.create('AUDIT_EVENT_INVALID', { details: { field: 'time', reason: 'the clock gave an invalid time or a year outside 1–9999' } });
  }
  return `${iso.slice(0, -1)}000Z`;
}

/** An input that passed {@link checkAuditEventInput}: absent fields are `null`, details are canonical. */
export interface CheckedAuditEventInput {
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly requestId: string | null;
  readonly details: JsonObject;
  /** The canonical JSON of `details`, sent as the jsonb parameter. */
  readonly detailsJson: string;
}

const ACTION = /^[a-z][a-z0-9_.:-]{0,127}$/;
const MAX_DETAILS_BYTES = 64 * 1024;
const FIELDS = new Set(['actor', 'action', 'target', 'requestId', 'details']);

function invalid(field: string, reason: string): never {
  throw auditErrors.create('AUDIT_EVENT_INVALID', { details: { field, reason } });
}

function text(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) invalid(field, `must be a string of 1–${max} characters`);
  const problem = stringProblem(value);
  if (problem) invalid(field, problem);
  return value;
}

/**
 * Validates what an append was given (unknown fields are refused, not dropped) and checks that
 * `details` will read back from jsonb unchanged, or throws AUDIT_EVENT_INVALID naming the field.
 * The limits match the table's CHECK constraints.
 */
export function checkAuditEventInput(input: unknown): CheckedAuditEventInput {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('event', 'must be an object');
  const fields = input as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!FIELDS.has(key)) invalid(key, 'unknown field');
  const actor = text('actor', fields.actor, 256);
  if (typeof fields.action !== 'string' || !ACTION.test(fields.action)) {
    invalid('action', 'must be 1–128 characters a–z, 0–9, "_", ".", ":" or "-", starting with a letter');
  }
  const target = fields.target === undefined ? null : text('target', fields.target, 512);
  const requestId = fields.requestId === undefined ? null : text('requestId', fields.requestId, 256);
  const details = fields.details ?? {};
  if (details === null || typeof details !== 'object' || Array.isArray(details)) invalid('details', 'must be a plain JSON object');
  const problem = jsonProblem(details);
  if (problem) invalid('details', problem);
  const detailsJson = canonicalJson(details);
  if (Buffer.byteLength(detailsJson, 'utf8') > MAX_DETAILS_BYTES) invalid('details', 'larger than 64 KiB as JSON');
  // The parsed canonical text, not the caller's object: it is what jsonb will give back (-0 reads back as 0).
  return { actor, action: fields.action, target, requestId, details: JSON.parse(detailsJson) as JsonObject, detailsJson };
}
