// AES-256-GCM with its parameters fixed in one place: a fresh random 96-bit nonce per
// message and a full 128-bit tag, demanded on decryption too.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** The parts GCM produces; the envelope lays them out. */
export interface Sealed {
  readonly nonce: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * Encrypts `plaintext` under `key`, authenticating `aad` too. The nonce is random: with 96
 * random bits a key stays safe for about 2^32 messages (NIST SP 800-38D §8.3), which is why
 * data keys are per tenant and rotate.
 */
export function seal(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, tag: cipher.getAuthTag(), ciphertext };
}

/**
 * Decrypts and verifies; `undefined` when anything does not authenticate (the caller picks the
 * error, so that a data key and a message fail with their own codes).
 */
export function open(key: KeyObject, sealed: Sealed, aad: Uint8Array): Buffer | undefined {
  let plaintext: Buffer | undefined;
  try {
    // authTagLength is not optional here: without it Node 20 accepts a tag of 4 bytes, and a
    // forger needs only 2^32 tries (the tag's length is not authenticated by GCM itself).
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.tag);
    decipher.setAAD(aad);
    plaintext = decipher.update(sealed.ciphertext);
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    // GCM hands out plaintext before the tag is checked; do not leave it lying in memory.
    plaintext?.fill(0);
    return undefined;
  }
}
