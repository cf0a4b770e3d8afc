// The envelope format: a fixed, versioned layout that old readers and new writers agree on,
// in bytes or canonical unpadded base64url, refusing anything else before any key is looked up.
import { describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { decodeEnvelope, encodeEnvelope, envelopeHeader, ENVELOPE_FORMAT_VERSION, inspectEnvelope, toText } from './envelope.js';
import { errorOf } from '../testing/index.js';

const sealed = { nonce: Buffer.alloc(12, 0xaa), tag: Buffer.alloc(16, 0xbb), ciphertext: Buffer.from('cipher') };
const bytes = encodeEnvelope(envelopeHeader(258), sealed);
const reason = (fn: () => unknown) => {
  const err = errorOf(fn);
  expect(isTenantryError(err, 'ENVELOPE_FORMAT_INVALID')).toBe(true);
  return (err as { details: { reason: string } }).details.reason;
};

describe('the binary layout', () => {
  it('is format version, key version (big-endian), nonce, tag, ciphertext', () => {
    expect(ENVELOPE_FORMAT_VERSION).toBe(1);
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([1, 0, 0, 1, 2]));
    expect(bytes.subarray(5, 17)).toEqual(sealed.nonce);
    expect(bytes.subarray(17, 33)).toEqual(sealed.tag);
    expect(bytes.subarray(33).toString()).toBe('cipher');
  });

  it('decodes into its parts, and the header it authenticates', () => {
    const envelope = decodeEnvelope(bytes);
    expect(envelope).toMatchObject({ formatVersion: 1, keyVersion: 258, nonce: sealed.nonce, tag: sealed.tag, ciphertext: sealed.ciphertext });
    expect(envelope.header).toEqual(bytes.subarray(0, 5));
  });

  it("copies the caller's bytes, so changing them after decoding changes nothing", () => {
    const mine = Buffer.from(bytes);
    const envelope = decodeEnvelope(mine);
    mine.fill(0);
    expect(envelope.keyVersion).toBe(258);
    expect(envelope.tag).toEqual(sealed.tag);
  });

  it('refuses an envelope shorter than header, nonce and tag', () => {
    expect(reason(() => decodeEnvelope(bytes.subarray(0, 32)))).toBe('too short');
    expect(reason(() => decodeEnvelope(Buffer.alloc(0)))).toBe('too short');
  });

  it.each([0, 2, 255])('refuses format version %i', (format) => {
    const other = Buffer.from(bytes);
    other[0] = format;
    expect(reason(() => decodeEnvelope(other))).toBe('unknown format version');
  });

  it('refuses key version 0 and versions beyond a PostgreSQL integer', () => {
    for (const version of [0, 2 ** 31, 2 ** 32 - 1]) {
      const other = Buffer.from(bytes);
      other.writeUInt32BE(version, 1);
      expect(reason(() => decodeEnvelope(other)), String(version)).toBe('key version out of range');
    }
  });
});

describe('the text form', () => {
  it('is unpadded base64url of the bytes, safe in text columns, JSON and URLs', () => {
    const text = toText(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeEnvelope(text).keyVersion).toBe(258);
  });

  it('refuses padding, other alphabets and stray characters', () => {
    const text = toText(bytes);
    expect(reason(() => decodeEnvelope(`${text}=`))).toBe('not base64url text');
    expect(reason(() => decodeEnvelope(Buffer.from(bytes).toString('base64').replace(/=+$/, '') + '+'))).toBe('not base64url text');
    expect(reason(() => decodeEnvelope(` ${text}`))).toBe('not base64url text');
    expect(reason(() => decodeEnvelope(`${text.slice(0, 10)}\n${text.slice(10)}`))).toBe('not base64url text');
  });

  it('refuses a non-canonical spelling that would decode to the same bytes', () => {
    // 40 bytes: the last of 54 characters carries 2 bits of data and 4 unused ones.
    const forty = encodeEnvelope(envelopeHeader(1), { ...sealed, ciphertext: Buffer.from('cipher!') });
    const text = toText(forty);
    const last = text.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) + 1] as string;
    expect(Buffer.from(text.slice(0, -1) + twin, 'base64url')).toEqual(forty);
    expect(reason(() => decodeEnvelope(text.slice(0, -1) + twin))).toBe('not canonical base64url');
  });
});

describe('inspectEnvelope', () => {
  it('tells format, key version and encoding without a key', () => {
    expect(inspectEnvelope(bytes)).toEqual({ formatVersion: 1, keyVersion: 258, encoding: 'bytes' });
    expect(inspectEnvelope(toText(bytes))).toEqual({ formatVersion: 1, keyVersion: 258, encoding: 'text' });
  });

  it('refuses what is no envelope', () => {
    expect(isTenantryError(errorOf(() => inspectEnvelope('plain text, never encrypted')), 'ENVELOPE_FORMAT_INVALID')).toBe(true);
  });
});
