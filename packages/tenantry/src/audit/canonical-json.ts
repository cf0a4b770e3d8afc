// Canonical JSON (RFC 8785, JCS): exactly one text per JSON value, so a hash over it is stable
// across processes, languages and a round trip through PostgreSQL's jsonb.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * The JCS text of `value`: no whitespace, object keys sorted by UTF-16 code units (JavaScript's
 * default sort), strings and numbers written as ECMAScript's JSON.stringify writes them (JCS
 * adopts exactly that number form: shortest round-trip digits, `1e+21`, `-0` as `0`). Throws a
 * TypeError on anything JSON cannot carry — callers validate first with {@link jsonProblem}.
 *
 * @example canonicalJson({ b: [1, 'x'], a: null }) // '{"a":null,"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const record = value as Record<string, unknown>;
      // Object.keys, never `for … in`: inherited keys are not data.
      const keys = Object.keys(record).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot carry a ${typeof value}`);
  }
}

const MAX_DEPTH = 32;

/**
 * Why `value` cannot be stored as audit JSON and read back unchanged, or `undefined` when it
 * can. Refused: NaN and ±Infinity, `undefined`, functions, bigints, class instances (a Date
 * would silently become a string), strings with U+0000 (jsonb and text refuse it) or a lone
 * surrogate (not valid UTF-8), and nesting deeper than 32. What is accepted round-trips through
 * jsonb exactly: numbers are stored as `numeric` in their shortest decimal form, which parses
 * back to the same double.
 *
 * @example jsonProblem({ at: new Date() }) // 'at: a Date is not JSON; pass a string or a number'
 */
export function jsonProblem(value: unknown, path = '', depth = 0): string | undefined {
  const at = path === '' ? '' : `${path}: `;
  if (depth > MAX_DEPTH) return `${at}nested deeper than ${MAX_DEPTH} levels`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${at}NaN and Infinity are not JSON`;
  if (typeof value === 'string') return stringProblem(value, path);
  if (typeof value !== 'object') return `${at}a ${typeof value} is not JSON`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'class instance';
    return `${at}a ${name} is not JSON; pass a string or a number`;
  }
  for (const key of Object.keys(value)) {
    const keyProblem = stringProblem(key, `${path}{key}`);
    if (keyProblem) return keyProblem;
    const problem = jsonProblem((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Why `text` cannot be stored in a text or jsonb column unchanged, or `undefined`. */
export function stringProblem(text: string, path = ''): string | undefined {
  const at = path === '' ? '' : `${path}: `;
  if (text.includes('\u0000')) return `${at}contains U+0000, which PostgreSQL text cannot hold`;
  // In a `u` regex a surrogate pair is one code point, so \p{Cs} matches only a lone half.
  if (LONE_SURROGATE.test(text)) return `${at}contains a lone surrogate (not valid Unicode)`;
  return undefined;
}
