// The key-provider interface: whatever holds the master keys (this process, a cloud KMS, an
// HSM) wraps and unwraps data keys through it, and nothing else ever sees a master key.
import type { DataKeyContext } from './associated-data.js';

export type { DataKeyContext } from './associated-data.js';

/** A data key as stored: wrapped by the master key `masterKeyId`. */
export interface WrappedDataKey {
  readonly masterKeyId: string;
  readonly wrappedKey: Uint8Array;
}

/**
 * Wraps and unwraps data keys with master keys, identified by id. Implementations must bind
 * the wrapped key to `context` (as associated data, or a KMS "encryption context"), so a
 * wrapped key copied to another tenant or key version does not unwrap.
 *
 * @example
 * // A cloud KMS in its place (sketch):
 * const kms: KeyProvider = {
 *   currentKeyId: 'arn:aws:kms:…:key/2025',
 *   async wrap(dataKey, context) {
 *     const out = await client.encrypt({ KeyId: this.currentKeyId, Plaintext: dataKey, EncryptionContext: { tenant: context.tenantId, version: String(context.keyVersion) } });
 *     return { masterKeyId: out.KeyId, wrappedKey: out.CiphertextBlob };
 *   },
 *   async unwrap(wrapped, context) { … },
 * };
 */
export interface KeyProvider {
  /** The master key that new data keys are wrapped with, and that rewrapDataKeys moves old ones to. */
  readonly currentKeyId: string;
  /** Wraps a 32-byte data key with the current master key. */
  wrap(dataKey: Uint8Array, context: DataKeyContext): Promise<WrappedDataKey>;
  /**
   * Unwraps a data key wrapped by any master key the provider still has. The returned bytes
   * belong to the caller, which zeroes them once it has made a key object of them.
   */
  unwrap(wrapped: WrappedDataKey, context: DataKeyContext): Promise<Uint8Array>;
}
