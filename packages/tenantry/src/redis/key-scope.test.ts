// Key scoping: no two (tenant, parts) share a key, and a tenant's SCAN pattern matches only its
// own keys, for adversarial tenant ids and parts (`:`, glob characters, braces, newlines, '').
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';
import { escapeKeyPart, keysFor, tenantKeyPrefix } from './key-scope.js';

/** Strings rich in the characters that break naive key joining. */
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom(':', '*', '?', '[', ']', '{', '}', '\\', '\n', '%', '^', '-', 'a', 'b', 'u', '0') , maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('', 'a:b', '*', '?', '[', '{x}', '\n', '\\', '%3A', '%u00E9', 'é', '\uD800', '\uDC00'),
);
const parts = fc.array(nasty, { minLength: 1, maxLength: 4 });
/** Tenant ids: any non-empty string (an empty one is refused). */
const tenant = nasty.filter((s) => s !== '');

describe('keysFor', () => {
  it('escapes everything outside [A-Za-z0-9_.-] injectively, lone surrogates included', () => {
    expect(escapeKeyPart('a:b*')).toBe('a%3Ab%2A');
    expect(escapeKeyPart('{x}')).toBe('%7Bx%7D');
    expect(escapeKeyPart('é')).toBe('%u00E9');
    expect(escapeKeyPart('\uD800')).not.toBe(escapeKeyPart('\uDC00'));
    fc.assert(fc.property(nasty, nasty, (a, b) => (a === b) === (escapeKeyPart(a) === escapeKeyPart(b))));
    fc.assert(fc.property(nasty, (a) => /^[A-Za-z0-9_.%u-]*$/.test(escapeKeyPart(a))));
  });

  // '' gave the empty hash tag `{}`, which Redis Cluster ignores; undefined shared the key space
  // of a tenant named "undefined" (issue 13).
  it.each([[''], [undefined], [null], [42], [{}]])('refuses %j as a tenant id, at runtime', (id) => {
    expect(() => keysFor(id as string)).toThrow(expect.objectContaining({ code: 'TENANT_ID_INVALID' }));
    expect(() => tenantKeyPrefix('tenantry', id as string)).toThrow(expect.objectContaining({ code: 'TENANT_ID_INVALID' }));
  });

  it('puts the tenant in a hash tag that no part can close or reopen', () => {
    const keys = keysFor('t}{x', { prefix: 'app' });
    expect(keys.key('sessions', '}{', '')).toBe('app:{t%7D%7Bx}:sessions:%7D%7B:');
    expect(keys.pattern()).toBe('app:{t%7D%7Bx}:*');
  });

  it('never gives two different (tenant, namespace, parts) the same key', () => {
    fc.assert(
      fc.property(tenant, parts, tenant, parts, (t1, p1, t2, p2) => {
        const [n1, ...r1] = p1 as [string, ...string[]];
        const [n2, ...r2] = p2 as [string, ...string[]];
        const same = t1 === t2 && p1.length === p2.length && p1.every((p, i) => p === p2[i]);
        expect(keysFor(t1).key(n1, ...r1) === keysFor(t2).key(n2, ...r2)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it("never lets a tenant's SCAN pattern (whole or per namespace) match another tenant's key", () => {
    fc.assert(
      fc.property(fc.uniqueArray(tenant, { minLength: 2, maxLength: 8 }), fc.array(parts, { minLength: 1, maxLength: 8 }), (tenants, keyParts) => {
        for (const owner of tenants) {
          const mine = keysFor(owner);
          for (const other of tenants) {
            const theirs = keysFor(other);
            for (const p of keyParts) {
              const [ns, ...rest] = p as [string, ...string[]];
              const key = theirs.key(ns, ...rest);
              expect(globMatch(mine.pattern(), key)).toBe(owner === other);
              expect(globMatch(mine.pattern(ns), key)).toBe(owner === other && rest.length > 0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key-space prefix that could hold separators or glob characters', () => {
    for (const prefix of ['', 'a:b', 'a*', '{a}', 'x'.repeat(65)]) {
      let error: unknown;
      try {
        keysFor('t', { prefix });
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'prefix' } });
    }
  });
});
