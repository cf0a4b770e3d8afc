// Canonical JSON: one text per value (RFC 8785), whatever the key order or the spelling of a
// number, and a clear refusal of anything that would not come back from jsonb unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonProblem, stringProblem } from './canonical-json.js';

/** The same object with its keys inserted in another order, at every level. */
function shuffled(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const order = entries.map((_, i) => i).sort((x, y) => ((x * 7919 + seed) % 31) - ((y * 7919 + seed) % 31) || x - y);
  const out: Record<string, unknown> = {};
  for (const i of order) {
    const [key, v] = entries[i] as [string, unknown];
    Object.defineProperty(out, key, { value: shuffled(v, seed + i), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units, as in RFC 8785 §3.2.3', () => {
    const value = { '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Smiley', '\u0080': 'Control', '\u00f6': 'Latin' };
    expect(canonicalJson(value)).toBe('{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Smiley","\ufb33":"Hebrew"}');
  });

  it.each<[number, string]>([
    [1e21, '1e+21'],
    // RFC 8785's own vector, written as a string: the literal has more digits than a double keeps.
    [Number('333333333.33333329'), '333333333.3333333'],
    [1e30, '1e+30'],
    [4.5, '4.5'],
    [2e-3, '0.002'],
    [0.000000000000000000000000001, '1e-27'],
    [-0, '0'],
    [9007199254740991, '9007199254740991'],
  ])('writes the number %d as %s (ECMAScript form, RFC 8785 §3.2.2.3)', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('writes no whitespace and escapes strings as JSON.stringify does', () => {
    expect(canonicalJson({ b: [1, 'x\n"y"', true, null], a: { c: '\u0001' } })).toBe('{"a":{"c":"\\u0001"},"b":[1,"x\\n\\"y\\"",true,null]}');
  });

  it('gives the same text for the same value whatever the key order, and is a fixed point of parsing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffled(value, seed))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('gives different texts for different values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        fc.pre(canonicalJson(x) !== canonicalJson(y));
        expect(JSON.parse(canonicalJson(x))).not.toEqual(JSON.parse(canonicalJson(y)));
      }),
    );
  });

  it.each<[string, unknown]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['undefined', undefined],
    ['a bigint', 1n],
    ['a function', () => 1],
  ])('throws on %s', (_, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});

describe('jsonProblem', () => {
  it('accepts any JSON value without U+0000 or lone surrogates', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        // JSON.stringify writes U+0000 and lone surrogates as escapes: look for those.
        fc.pre(!/\\u(0000|d[89a-f])/i.test(text));
        expect(jsonProblem(value)).toBeUndefined();
      }),
    );
  });

  it('accepts objects without a prototype', () => {
    expect(jsonProblem(Object.assign(Object.create(null) as object, { a: 1 }))).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['NaN', { n: Number.NaN }, /^n: NaN and Infinity/],
    ['Infinity in an array', { list: [1, Number.NEGATIVE_INFINITY] }, /^list\[1\]: NaN and Infinity/],
    ['undefined', { u: undefined }, /^u: a undefined is not JSON/],
    ['a function', { f: () => 1 }, /^f: a function/],
    ['a bigint', { b: 1n }, /^b: a bigint/],
    ['a Date', { at: new Date() }, /^at: a Date is not JSON/],
    ['a Map', { m: new Map() }, /^m: a Map is not JSON/],
    ['U+0000 in a string', { s: 'a\u0000b' }, /^s: contains U\+0000/],
    ['U+0000 in a key', { 'a\u0000': 1 }, /contains U\+0000/],
    ['a lone surrogate', { s: 'x\ud800' }, /^s: contains a lone surrogate/],
    ['nesting deeper than 32', JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown, /nested deeper than 32/],
  ])('refuses %s and says where', (_, value, message) => {
    expect(jsonProblem(value)).toMatch(message);
  });
});

describe('stringProblem', () => {
  it('accepts a surrogate pair (an emoji) but not half of one', () => {
    expect(stringProblem('😀')).toBeUndefined();
    expect(stringProblem('😀'.slice(0, 1))).toMatch(/lone surrogate/);
    expect(stringProblem('😀'.slice(1))).toMatch(/lone surrogate/);
  });
});
