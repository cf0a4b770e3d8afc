// The associated data GCM authenticates alongside each ciphertext: it binds a message to its
// tenant, purpose and record, and a wrapped data key to its tenant, version and master key.
import type { TenantId } from '../core/index.js';
import { cryptoErrors } from './errors.js';

/**
 * Where a value lives. A ciphertext decrypts only with the context it was encrypted with, so
 * one copied to another column (`purpose`) or row (`recordId`) fails to decrypt.
 */
export interface EncryptionContext {
  /** What the value is, e.g. the `table.column` it is stored in: `'notes.body'`. */
  readonly purpose: string;
  /** Which record it belongs to, e.g. the row's id. For a value of no row, a fixed name. */
  readonly recordId: string;
}

/** What a wrapped data key is bound to: a wrapped key copied to another tenant or version fails to unwrap. */
export interface DataKeyContext {
  readonly tenantId: TenantId;
  readonly keyVersion: number;
}

const MAX_FIELD_BYTES = 1024;
// Distinct labels keep the two kinds of associated data from ever being equal.
const MESSAGE_LABEL = Buffer.from('tenantry/message/v1\0', 'latin1');
const DATA_KEY_LABEL = Buffer.from('tenantry/data-key/v1\0', 'latin1');
const LONE_SURROGATE = /\p{Cs}/u;

function field(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || value.length === 0) {
    throw cryptoErrors.create('ENCRYPTION_CONTEXT_INVALID', { details: { field: name, reason: 'must be a non-empty string' } });
  }
  // UTF-8 encoding turns every lone surrogate into U+FFFD, so two different strings would
  // give the same associated data: refuse them instead.
  if (LONE_SURROGATE.test(value)) {
    throw cryptoErrors.create('ENCRYPTION_CONTEXT_INVALID', { details: { field: name, reason: 'is not well-formed Unicode' } });
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_FIELD_BYTES) {
    throw cryptoErrors.create('ENCRYPTION_CONTEXT_INVALID', { details: { field: name, reason: `is longer than ${MAX_FIELD_BYTES} UTF-8 bytes` } });
  }
  return bytes;
}

/** Checks a context and returns its fields as bytes; unknown keys are refused (they would look bound but are not). */
export function checkContext(context: unknown): { purpose: Buffer; recordId: Buffer } {
  if (typeof context !== 'object' || context === null) {
    throw cryptoErrors.create('ENCRYPTION_CONTEXT_INVALID', { details: { field: 'context', reason: 'must be { purpose, recordId }' } });
  }
  for (const key of Object.keys(context)) {
    if (key !== 'purpose' && key !== 'recordId') {
      throw cryptoErrors.create('ENCRYPTION_CONTEXT_INVALID', { details: { field: key, reason: 'unknown field' } });
    }
  }
  const { purpose, recordId } = context as Record<string, unknown>;
  return { purpose: field(purpose, 'purpose'), recordId: field(recordId, 'recordId') };
}

function uuidBytes(tenantId: TenantId): Buffer {
  return Buffer.from(tenantId.replace(/-/g, ''), 'hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * The associated data of a message: label, the envelope header (so format and key version
 * cannot be altered), the tenant, then purpose and record id, each length-prefixed so that
 * ('a.b', 'c') and ('a', 'b.c') differ.
 */
export function messageAssociatedData(tenantId: TenantId, header: Uint8Array, context: EncryptionContext): Buffer {
  const { purpose, recordId } = checkContext(context);
  return Buffer.concat([MESSAGE_LABEL, header, uuidBytes(tenantId), lengthPrefixed(purpose), lengthPrefixed(recordId)]);
}

/** The associated data of a wrapped data key: label, master key id, tenant and key version. */
export function dataKeyAssociatedData(masterKeyId: string, context: DataKeyContext): Buffer {
  const version = Buffer.alloc(4);
  version.writeUInt32BE(context.keyVersion);
  return Buffer.concat([DATA_KEY_LABEL, lengthPrefixed(Buffer.from(masterKeyId, 'utf8')), uuidBytes(context.tenantId), version]);
}
