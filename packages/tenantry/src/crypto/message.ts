// One message in and out of its envelope: AES-256-GCM under a tenant's data key, with the
// envelope header, tenant and context as associated data. Pure: keys come from the caller.
import type { KeyObject } from 'node:crypto';
import type { TenantId } from '../core/index.js';
import { open, seal } from './aes-gcm.js';
import { messageAssociatedData, type EncryptionContext } from './associated-data.js';
import { encodeEnvelope, envelopeHeader, type Envelope } from './envelope.js';
import { cryptoErrors } from './errors.js';

const LONE_SURROGATE = /\p{Cs}/u;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes of a plaintext; a string is UTF-8, refused when it would not come back unchanged. */
export function plaintextBytes(plaintext: string | Uint8Array): Uint8Array {
  if (plaintext instanceof Uint8Array) return plaintext;
  if (typeof plaintext !== 'string') throw cryptoErrors.create('PLAINTEXT_INVALID', { details: { reason: 'neither a string nor bytes' } });
  if (LONE_SURROGATE.test(plaintext)) throw cryptoErrors.create('PLAINTEXT_INVALID', { details: { reason: 'a string with lone surrogates' } });
  return Buffer.from(plaintext, 'utf8');
}

/** Decodes decrypted bytes as UTF-8, refusing anything that is not (never a lossy decode). */
export function plaintextText(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw cryptoErrors.create('PLAINTEXT_INVALID', { details: { reason: 'not UTF-8' } });
  } finally {
    bytes.fill(0);
  }
}

/** Encrypts under `key` (data key version `keyVersion`) into an envelope, as bytes. */
export function sealMessage(key: KeyObject, keyVersion: number, tenantId: TenantId, context: EncryptionContext, plaintext: Uint8Array): Buffer {
  const header = envelopeHeader(keyVersion);
  return encodeEnvelope(header, seal(key, plaintext, messageAssociatedData(tenantId, header, context)));
}

/** Decrypts a decoded envelope; DECRYPTION_FAILED when the tag, tenant or context does not match. */
export function openMessage(key: KeyObject, tenantId: TenantId, context: EncryptionContext, envelope: Envelope): Buffer {
  const plaintext = open(key, envelope, messageAssociatedData(tenantId, envelope.header, context));
  if (plaintext === undefined) throw cryptoErrors.create('DECRYPTION_FAILED', { details: { reason: 'authentication failed' } });
  return plaintext;
}
