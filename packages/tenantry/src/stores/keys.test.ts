// The one key rule: NFC, and nothing that could leave the tenant's space.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';

describe('normalizeStoreKey', () => {
  it('NFC-normalizes, so two spellings are one key', () => {
    expect(normalizeStoreKey('cafe\u0301/x')).toBe('caf\u00e9/x');
  });

  it.each(['', '/a', 'a//b', 'a/', '..', 'a/../b', './a', 'a\\b', 'a\u0000', 'a\u001fb', 'a\u007f', 'a\u0085', 'a\u2028b', 'x'.repeat(901)])('refuses %j', (key) => {
    expect(() => normalizeStoreKey(key)).toThrow(expect.objectContaining({ code: 'STORE_KEY_INVALID' }));
  });

  it('a key it accepts never climbs: joined under a prefix, it resolves inside that prefix (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (raw) => {
        let key: string;
        try {
          key = normalizeStoreKey(raw);
        } catch {
          return;
        }
        const resolved = new URL(`tenants/t/${key}`, 'http://x/').pathname;
        expect(resolved.startsWith('/tenants/t/')).toBe(true);
        expect(key.split('/').every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('prefixes may be empty or end with /', () => {
    expect(normalizeStorePrefix(undefined)).toBe('');
    expect(normalizeStorePrefix('docs/')).toBe('docs/');
    expect(() => normalizeStorePrefix('../')).toThrow(expect.objectContaining({ code: 'STORE_KEY_INVALID' }));
  });
});
