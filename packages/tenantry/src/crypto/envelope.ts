// The ciphertext envelope: a self-describing, versioned layout of everything decryption needs
// besides the key, as bytes or as text (unpadded base64url).
//
//   offset 0   format version   1 byte   (1)
//   offset 1   key version      4 bytes  unsigned big-endian, the tenant's data key version
//   offset 5   nonce           12 bytes
//   offset 17  tag             16 bytes
//   offset 33  ciphertext       as long as the plaintext
import { NONCE_BYTES, TAG_BYTES, type Sealed } from './aes-gcm.js';
import { cryptoErrors } from './errors.js';

/** The format written today. Readers keep every older format they ever wrote. */
export const ENVELOPE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 5;
const OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
/** Key versions are PostgreSQL integers. */
export const MAX_KEY_VERSION = 2 ** 31 - 1;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A decoded envelope. */
export interface Envelope extends Sealed {
  readonly formatVersion: number;
  readonly keyVersion: number;
  /** The first HEADER_BYTES bytes, authenticated as part of the associated data. */
  readonly header: Buffer;
}

/** How an envelope is written: `text` (unpadded base64url, for text columns and JSON) or `bytes` (for bytea). */
export type EnvelopeEncoding = 'text' | 'bytes';

const invalid = (reason: string) => cryptoErrors.create('ENVELOPE_FORMAT_INVALID', { details: { reason } });

/** The header of an envelope for `keyVersion` in the current format. */
export function envelopeHeader(keyVersion: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(ENVELOPE_FORMAT_VERSION, 0);
  header.writeUInt32BE(keyVersion, 1);
  return header;
}

/** Lays out header, nonce, tag and ciphertext. */
export function encodeEnvelope(header: Buffer, sealed: Sealed): Buffer {
  return Buffer.concat([header, sealed.nonce, sealed.tag, sealed.ciphertext]);
}

/** Reads an envelope from bytes or text; throws ENVELOPE_FORMAT_INVALID. Nothing is decrypted. */
export function decodeEnvelope(value: string | Uint8Array): Envelope {
  // A copy: decryption awaits the key between reading the header and opening the message, and
  // the caller's buffer must not change under it.
  const bytes = typeof value === 'string' ? fromText(value) : Buffer.from(value);
  if (bytes.length < OVERHEAD) throw invalid('too short');
  const formatVersion = bytes.readUInt8(0);
  if (formatVersion !== ENVELOPE_FORMAT_VERSION) throw invalid('unknown format version');
  const keyVersion = bytes.readUInt32BE(1);
  if (keyVersion < 1 || keyVersion > MAX_KEY_VERSION) throw invalid('key version out of range');
  return {
    formatVersion,
    keyVersion,
    header: bytes.subarray(0, HEADER_BYTES),
    nonce: bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    tag: bytes.subarray(HEADER_BYTES + NONCE_BYTES, OVERHEAD),
    ciphertext: bytes.subarray(OVERHEAD),
  };
}

/** The text form of an envelope. */
export function toText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function fromText(text: string): Buffer {
  // Buffer's decoder skips characters it does not know and ignores non-zero trailing bits, so
  // different strings would decode alike; only the one canonical spelling is accepted.
  if (!BASE64URL.test(text)) throw invalid('not base64url text');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw invalid('not canonical base64url');
  return bytes;
}

/**
 * Reads the format and key version of an envelope without decrypting it: which rows still
 * use an old data key, for instance.
 *
 * @example
 * if (inspectEnvelope(row.body).keyVersion < current) queueForReencryption(row.id);
 */
export function inspectEnvelope(value: string | Uint8Array): { formatVersion: number; keyVersion: number; encoding: EnvelopeEncoding } {
  const { formatVersion, keyVersion } = decodeEnvelope(value);
  return { formatVersion, keyVersion, encoding: typeof value === 'string' ? 'text' : 'bytes' };
}
