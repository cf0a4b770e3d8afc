// localKeyProvider: master keys held in this process (from TENANTRY_MASTER_KEY or a key file),
// several at once by id so that a master key can be rotated.
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { coreErrors } from '../core/index.js';
import { KEY_BYTES, open, seal } from './aes-gcm.js';
import { dataKeyAssociatedData, type DataKeyContext } from './associated-data.js';
import { checkKnownKeys } from './check-options.js';
import { cryptoErrors } from './errors.js';
import type { KeyProvider, WrappedDataKey } from './key-provider.js';

export interface LocalKeyProviderOptions {
  /** Master keys by id, 32 random bytes each. Retired keys stay here until rewrapDataKeys has run. */
  readonly keys: Readonly<Record<string, Uint8Array>>;
  /** The id that wraps new data keys; may be left out when there is only one key. */
  readonly current?: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// Wrapped form: format byte, nonce, tag, wrapped data key.
const WRAP_FORMAT = 1;
const WRAPPED_BYTES = 1 + 12 + 16 + KEY_BYTES;
// The master key itself only ever feeds HKDF, so the same key could later serve another
// purpose (say, signing audit checkpoints) under another label without the two interfering.
const WRAPPING_INFO = 'tenantry/crypto/v1/data-key-wrapping';

const invalidKey = (reason: string, keyId?: string) =>
  cryptoErrors.create('ENCRYPTION_KEY_INVALID', { details: keyId === undefined ? { reason } : { keyId, reason } });

function wrappingKey(keyId: string, material: unknown): KeyObject {
  if (!(material instanceof Uint8Array) || material.length !== KEY_BYTES) throw invalidKey(`must be ${KEY_BYTES} bytes`, keyId);
  // A key of one repeated byte (Buffer.alloc(32), 'aaaa…') is a placeholder, not a secret.
  if (material.every((byte) => byte === material[0])) throw invalidKey('is one byte repeated, not random key material', keyId);
  const derived = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), WRAPPING_INFO, KEY_BYTES));
  const key = createSecretKey(derived);
  derived.fill(0);
  return key;
}

/**
 * A KeyProvider over master keys held in memory. Data keys are wrapped with AES-256-GCM under
 * a key derived (HKDF-SHA-256) from the master key, bound to their master key id, tenant and
 * version. The key bytes are copied: changing the caller's buffers afterwards changes nothing.
 *
 * @example
 * const keyProvider = localKeyProvider({
 *   keys: { '2024': parseMasterKey(oldKeyText), '2025': parseMasterKey(newKeyText) },
 *   current: '2025',
 * });
 */
export function localKeyProvider(options: LocalKeyProviderOptions): KeyProvider {
  if (typeof options !== 'object' || options === null) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'keyProvider', reason: 'must be an object' } });
  checkKnownKeys(options, ['keys', 'current'], '');
  const entries = Object.entries(options.keys ?? {});
  if (entries.length === 0) throw invalidKey('no master key given');
  const keys = new Map<string, KeyObject>();
  for (const [keyId, material] of entries) {
    if (!KEY_ID.test(keyId)) throw invalidKey('a key id must be 1–64 characters A–Z, a–z, 0–9, ".", "_" or "-"');
    keys.set(keyId, wrappingKey(keyId, material));
  }
  const current = options.current ?? (entries.length === 1 ? (entries[0] as [string, Uint8Array])[0] : undefined);
  if (current === undefined) throw invalidKey('several master keys given: name the current one');
  const currentKey = keys.get(current);
  if (currentKey === undefined) throw invalidKey('the current master key id is not among the keys');

  return Object.freeze({
    currentKeyId: current,
    async wrap(dataKey: Uint8Array, context: DataKeyContext): Promise<WrappedDataKey> {
      await Promise.resolve(); // the interface is async for remote providers
      if (dataKey.length !== KEY_BYTES) throw coreErrors.create('INTERNAL', { details: { reason: 'data key of the wrong length' } });
      const sealed = seal(currentKey, dataKey, dataKeyAssociatedData(current, context));
      return { masterKeyId: current, wrappedKey: Buffer.concat([Buffer.from([WRAP_FORMAT]), sealed.nonce, sealed.tag, sealed.ciphertext]) };
    },
    async unwrap(wrapped: WrappedDataKey, context: DataKeyContext): Promise<Uint8Array> {
      await Promise.resolve();
      const key = keys.get(wrapped.masterKeyId);
      if (key === undefined) throw cryptoErrors.create('MASTER_KEY_UNKNOWN', { details: { masterKeyId: wrapped.masterKeyId } });
      const bytes = Buffer.from(wrapped.wrappedKey);
      const dataKey =
        bytes.length === WRAPPED_BYTES && bytes[0] === WRAP_FORMAT
          ? open(key, { nonce: bytes.subarray(1, 13), tag: bytes.subarray(13, 29), ciphertext: bytes.subarray(29) }, dataKeyAssociatedData(wrapped.masterKeyId, context))
          : undefined;
      if (dataKey === undefined) throw cryptoErrors.create('DATA_KEY_UNWRAP_FAILED', { details: { masterKeyId: wrapped.masterKeyId, keyVersion: context.keyVersion } });
      return dataKey;
    },
  });
}
