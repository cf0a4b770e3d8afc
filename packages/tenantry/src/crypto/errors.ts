// Error codes of the crypto capability. Messages and details never carry key material,
// plaintext or ciphertext: they end up in logs and problem+json bodies.
import { defineErrors } from '../core/index.js';

/**
 * The crypto capability's codes; docs/errors.md has a row for each.
 *
 * @example if (isTenantryError(err, 'TENANT_KEY_DESTROYED')) return gone();
 */
export const cryptoErrors = defineErrors('crypto', {
  ENCRYPTION_KEY_INVALID: {
    kind: 'invalid',
    message: 'A master key or master key id is not usable.',
    fix: 'Give each master key as exactly 32 random bytes (e.g. `openssl rand -base64 32`) under an id of 1–64 characters A–Z, a–z, 0–9, ".", "_" or "-"; see `details.reason`.',
  },
  MASTER_KEY_UNKNOWN: {
    kind: 'internal',
    message: 'A data key is wrapped with a master key the key provider does not have.',
    fix: 'Configure the master key named in `details.masterKeyId`; keep a retired master key until rewrapDataKeys has moved every data key off it.',
  },
  KEY_PROVIDER_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The key provider could not wrap or unwrap a data key.',
    fix: 'Check that the key service (KMS) is reachable and allows this key; the request can be retried. The cause is in the server log.',
  },
  DATA_KEY_UNWRAP_FAILED: {
    kind: 'internal',
    message: 'A stored data key could not be unwrapped.',
    fix: 'The wrapped key was altered, moved to another tenant or version, or the master key under its id was replaced; restore the master key or the key row from a trusted copy.',
  },
  ENCRYPTION_CONTEXT_INVALID: {
    kind: 'invalid',
    message: 'The encryption context is invalid.',
    fix: 'Give `purpose` (e.g. "notes.body") and `recordId` (e.g. the row id), both non-empty, well-formed strings of at most 1024 UTF-8 bytes, and no other field; see `details.field`.',
  },
  ENVELOPE_FORMAT_INVALID: {
    kind: 'invalid',
    message: 'The value is not a ciphertext envelope of a known format.',
    fix: 'Pass the value encrypt() returned, unchanged (text or bytes); `details.reason` says what is wrong.',
  },
  DECRYPTION_FAILED: {
    kind: 'invalid',
    message: 'The ciphertext could not be decrypted.',
    fix: 'The ciphertext was altered, or belongs to another tenant, record or purpose: decrypt it in its own tenant with the context it was encrypted with.',
  },
  TENANT_KEY_DESTROYED: {
    kind: 'not_found',
    message: "The tenant's data key was destroyed; data encrypted with it cannot be decrypted any more.",
    fix: 'Nothing can recover the data (crypto-shredding). To encrypt again for this tenant, start a new key with rotateDataKey().',
  },
  PLAINTEXT_INVALID: {
    kind: 'invalid',
    message: 'The plaintext is neither bytes nor well-formed UTF-8 text.',
    fix: 'Encrypt a Uint8Array, or a string without lone surrogates; read a value encrypted from bytes with decrypt(), not decryptText().',
  },
  ENCRYPTION_SCOPE_INVALID: {
    kind: 'invalid',
    message: 'Encryption was not given a tenant scope or transaction.',
    fix: 'Pass the scope of db.withTenant() or the transaction of db.transaction(): data keys are read as the app role under the tenant\'s row-level security.',
  },
});
