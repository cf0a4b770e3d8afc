// AES-256-GCM as the library uses it: fresh nonces, and nothing but a full 16-byte tag over the
// right key, nonce, ciphertext and associated data opens a message.
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NONCE_BYTES, open, seal, TAG_BYTES } from './aes-gcm.js';

const key = createSecretKey(randomBytes(32));
const aad = Buffer.from('tenant a, notes.body, row 1');
const message = Buffer.from('the quarterly numbers');

describe('seal and open', () => {
  it('round-trips a message and produces a 12-byte nonce and a 16-byte tag', () => {
    const sealed = seal(key, message, aad);
    expect(sealed.nonce).toHaveLength(NONCE_BYTES);
    expect(sealed.tag).toHaveLength(TAG_BYTES);
    expect(sealed.ciphertext.equals(message)).toBe(false);
    expect(open(key, sealed, aad)).toEqual(message);
  });

  it('draws a fresh nonce for every message, so equal plaintexts give different ciphertexts', () => {
    const nonces = new Set<string>();
    const ciphertexts = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const sealed = seal(key, message, aad);
      nonces.add(sealed.nonce.toString('hex'));
      ciphertexts.add(sealed.ciphertext.toString('hex'));
    }
    expect(nonces.size).toBe(200);
    expect(ciphertexts.size).toBe(200);
  });

  // Node 20 accepts a GCM tag as short as 4 bytes unless authTagLength is given on the decipher,
  // and a 4-byte prefix of the right tag then opens the message: a forgery costs 2^32 tries.
  it.each([4, 8, 12, 13, 14, 15])('refuses the right tag truncated to %i bytes', (length) => {
    const sealed = seal(key, message, aad);
    expect(open(key, { ...sealed, tag: sealed.tag.subarray(0, length) }, aad)).toBeUndefined();
  });

  it('refuses a flipped tag bit, a flipped ciphertext bit, another nonce, other associated data and another key', () => {
    const sealed = seal(key, message, aad);
    const flip = (buf: Buffer, bit: number) => {
      const copy = Buffer.from(buf);
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      return copy;
    };
    expect(open(key, { ...sealed, tag: flip(sealed.tag, 77) }, aad)).toBeUndefined();
    expect(open(key, { ...sealed, ciphertext: flip(sealed.ciphertext, 3) }, aad)).toBeUndefined();
    expect(open(key, { ...sealed, nonce: randomBytes(NONCE_BYTES) }, aad)).toBeUndefined();
    expect(open(key, sealed, Buffer.from('tenant b, notes.body, row 1'))).toBeUndefined();
    expect(open(createSecretKey(randomBytes(32)), sealed, aad)).toBeUndefined();
  });

  it('round-trips the empty message, which still carries a tag', () => {
    const sealed = seal(key, Buffer.alloc(0), aad);
    expect(sealed.ciphertext).toHaveLength(0);
    expect(open(key, sealed, aad)).toEqual(Buffer.alloc(0));
    expect(open(key, sealed, Buffer.from('other'))).toBeUndefined();
  });
});
