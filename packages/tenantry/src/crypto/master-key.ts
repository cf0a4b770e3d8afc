// Parsing a master key from its text form (base64, as TENANTRY_MASTER_KEY or a key file holds
// it) without ever echoing it.
import { KEY_BYTES } from './aes-gcm.js';
import { cryptoErrors } from './errors.js';

const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/**
 * Decodes a 32-byte master key from base64 or base64url (surrounding whitespace, such as a key
 * file's final newline, is ignored). Throws ENCRYPTION_KEY_INVALID; the error never contains
 * the text. The library never reads the environment: the server passes the value in.
 *
 * @example
 * const master = parseMasterKey(config.masterKey); // from TENANTRY_MASTER_KEY
 * const keyProvider = localKeyProvider({ keys: { primary: master } });
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!BASE64.test(trimmed)) throw cryptoErrors.create('ENCRYPTION_KEY_INVALID', { details: { reason: 'not base64' } });
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== KEY_BYTES) {
    bytes.fill(0);
    throw cryptoErrors.create('ENCRYPTION_KEY_INVALID', { details: { reason: `decodes to ${bytes.length} bytes, not ${KEY_BYTES}` } });
  }
  return bytes;
}
