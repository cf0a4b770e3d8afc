// The NDJSON export format: one JSON object per line, `record: "checkpoint"` lines first, then
// `record: "event"` lines in seq order. Writing and strict reading of one line.
import type { TenantId } from '../core/index.js';
import { AUDIT_CHECKPOINT_ALGORITHMS, type AuditCheckpoint, type AuditCheckpointAlgorithm } from './audit-checkpoint.js';
import type { AuditEvent } from './audit-event.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { auditErrors } from './errors.js';

/** One line of an export, parsed. */
export type AuditExportRecord = { readonly record: 'event'; readonly event: AuditEvent } | { readonly record: 'checkpoint'; readonly checkpoint: AuditCheckpoint };

/** The export line of an event (canonical JSON, so the same chain always exports the same bytes). */
export function auditEventLine(event: AuditEvent): string {
  return `${canonicalJson({ record: 'event', ...event })}\n`;
}

/** The export line of a checkpoint. */
export function auditCheckpointLine(checkpoint: AuditCheckpoint): string {
  return `${canonicalJson({ record: 'checkpoint', ...checkpoint })}\n`;
}

const EVENT_KEYS = ['record', 'tenantId', 'seq', 'prevHash', 'hash', 'time', 'actor', 'action', 'target', 'requestId', 'details'];
const CHECKPOINT_KEYS = ['record', 'tenantId', 'seq', 'hash', 'time', 'keyId', 'algorithm', 'signature'];

function bad(line: number, reason: string): never {
  throw auditErrors.create('AUDIT_EXPORT_INVALID', { details: { line, reason } });
}

function sameKeys(value: Record<string, unknown>, keys: readonly string[], line: number): void {
  const own = Object.keys(value);
  const missing = keys.filter((k) => !own.includes(k));
  const extra = own.filter((k) => !keys.includes(k));
  if (missing.length > 0 || extra.length > 0) bad(line, `fields ${[...missing.map((k) => `missing ${k}`), ...extra.map((k) => `unknown ${k}`)].join(', ')}`);
}

function str(value: Record<string, unknown>, key: string, line: number): string {
  const v = value[key];
  if (typeof v !== 'string') bad(line, `${key} must be a string`);
  return v;
}

function strOrNull(value: Record<string, unknown>, key: string, line: number): string | null {
  return value[key] === null ? null : str(value, key, line);
}

function seqOf(value: Record<string, unknown>, line: number, min: number): number {
  const v = value.seq;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(line, `seq must be an integer ≥ ${min}`);
  return v;
}

/**
 * Parses one line (1-based `line` for the error). Only the shape is checked here — whether the
 * values are true is the chain verifier's job, so an edited value is reported as a broken link,
 * not as a malformed file.
 */
export function parseAuditExportLine(text: string, line: number): AuditExportRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad(line, 'not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(line, 'not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.record === 'event') {
    sameKeys(v, EVENT_KEYS, line);
    const details = v.details;
    if (details === null || typeof details !== 'object' || Array.isArray(details)) bad(line, 'details must be an object');
    const event: AuditEvent = {
      tenantId: str(v, 'tenantId', line) as TenantId,
      seq: seqOf(v, line, 1),
      prevHash: str(v, 'prevHash', line),
      hash: str(v, 'hash', line),
      time: str(v, 'time', line),
      actor: str(v, 'actor', line),
      action: str(v, 'action', line),
      target: strOrNull(v, 'target', line),
      requestId: strOrNull(v, 'requestId', line),
      details: details as JsonObject,
    };
    return { record: 'event', event };
  }
  if (v.record === 'checkpoint') {
    sameKeys(v, CHECKPOINT_KEYS, line);
    const algorithm = str(v, 'algorithm', line);
    if (!(AUDIT_CHECKPOINT_ALGORITHMS as readonly string[]).includes(algorithm)) bad(line, `algorithm must be one of ${AUDIT_CHECKPOINT_ALGORITHMS.join(', ')}`);
    const checkpoint: AuditCheckpoint = {
      tenantId: str(v, 'tenantId', line) as TenantId,
      seq: seqOf(v, line, 0),
      hash: str(v, 'hash', line),
      time: str(v, 'time', line),
      keyId: str(v, 'keyId', line),
      algorithm: algorithm as AuditCheckpointAlgorithm,
      signature: str(v, 'signature', line),
    };
    return { record: 'checkpoint', checkpoint };
  }
  return bad(line, 'record must be "event" or "checkpoint"');
}
