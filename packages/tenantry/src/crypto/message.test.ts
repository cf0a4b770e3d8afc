// A message through its envelope, without a database: every plaintext and context comes back
// exactly, and any single changed bit or character of the envelope, or any other tenant,
// purpose or record, fails to decrypt.
import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTenantId } from '../core/index.js';
import type { EncryptionContext } from './associated-data.js';
import { decodeEnvelope, toText } from './envelope.js';
import { openMessage, plaintextBytes, plaintextText, sealMessage } from './message.js';
import { codeOf } from '../testing/index.js';

const key = createSecretKey(randomBytes(32));
const tenant = newTenantId();
const context: EncryptionContext = { purpose: 'notes.body', recordId: '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f' };
const contexts = fc.record({ purpose: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), recordId: fc.string({ minLength: 1, maxLength: 40 }) });
// Opening looks the key up by the envelope's key version; this resolver answers the same key
// for every version, the worst case: only the authenticated header can catch a changed version.
const openAny = (envelope: string | Uint8Array, ctx = context, who = tenant) => openMessage(key, who, ctx, decodeEnvelope(envelope));

describe('sealMessage and openMessage', () => {
  it('round-trips any bytes under any context, as bytes and as text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), contexts, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (plaintext, ctx, version) => {
        const sealed = sealMessage(key, version, tenant, ctx, plaintext);
        expect(decodeEnvelope(sealed).keyVersion).toBe(version);
        expect(openAny(sealed, ctx)).toEqual(Buffer.from(plaintext));
        expect(openAny(toText(sealed), ctx)).toEqual(Buffer.from(plaintext));
      }),
    );
  });

  it('round-trips any well-formed string exactly, byte order marks and all', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.boolean(), (text, bom) => {
        const value = bom ? `\uFEFF${text}` : text;
        const sealed = sealMessage(key, 1, tenant, context, plaintextBytes(value));
        expect(plaintextText(openAny(sealed))).toBe(value);
      }),
    );
  });

  it('fails for any single flipped bit of the envelope', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (plaintext, at) => {
        const sealed = sealMessage(key, 7, tenant, context, plaintext);
        const bit = at % (sealed.length * 8);
        const flipped = Buffer.from(sealed);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(['ENVELOPE_FORMAT_INVALID', 'DECRYPTION_FAILED']).toContain(codeOf(() => openAny(flipped)));
      }),
      { numRuns: 1000 },
    );
  });

  it('fails for any single changed character of the text form', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 63 }), (plaintext, at, shift) => {
        const text = toText(sealMessage(key, 7, tenant, context, plaintext));
        const i = at % text.length;
        const changed = text.slice(0, i) + (alphabet[(alphabet.indexOf(text[i] as string) + shift) % 64] as string) + text.slice(i + 1);
        expect(['ENVELOPE_FORMAT_INVALID', 'DECRYPTION_FAILED']).toContain(codeOf(() => openAny(changed)));
      }),
      { numRuns: 1000 },
    );
  });

  it('fails for another tenant, another purpose or another record, with one code for all', () => {
    const sealed = sealMessage(key, 1, tenant, context, Buffer.from('secret'));
    expect(codeOf(() => openAny(sealed, context, newTenantId()))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => openAny(sealed, { ...context, purpose: 'notes.title' }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => openAny(sealed, { ...context, recordId: '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e70' }))).toBe('DECRYPTION_FAILED');
  });

  it('fails for a truncated envelope (a shortened tag cannot pass)', () => {
    const sealed = sealMessage(key, 1, tenant, context, Buffer.alloc(0));
    for (let length = 0; length < sealed.length; length += 1) {
      expect(['ENVELOPE_FORMAT_INVALID', 'DECRYPTION_FAILED'], String(length)).toContain(codeOf(() => openAny(sealed.subarray(0, length))));
    }
  });
});

describe('plaintexts', () => {
  it('refuses a string with a lone surrogate, which UTF-8 would silently replace', () => {
    expect(codeOf(() => plaintextBytes('ok \uDC00'))).toBe('PLAINTEXT_INVALID');
  });

  it('refuses what is neither a string nor bytes', () => {
    expect(codeOf(() => plaintextBytes(42 as unknown as string))).toBe('PLAINTEXT_INVALID');
  });

  it('reads back only well-formed UTF-8 as text, never a lossy decoding', () => {
    expect(codeOf(() => plaintextText(Buffer.from([0x66, 0xff, 0x6f])))).toBe('PLAINTEXT_INVALID');
    expect(plaintextText(Buffer.from('héllo'))).toBe('héllo');
  });
});
