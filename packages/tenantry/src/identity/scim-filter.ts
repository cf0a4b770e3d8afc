// SCIM filters (RFC 7644 §3.4.2.2): parsed into a tree and evaluated against a resource's JSON,
// never turned into SQL, so a filter can only ever select among the tenant's own resources.
// Supported: attribute paths with sub-attributes (`emails.value`), eq ne co sw ew gt ge lt le pr,
// and, or, not (…), parentheses. Not supported (refused as invalidFilter): value paths
// (`emails[type eq "work"]`) and URN-prefixed attribute names.
import { identityErrors } from './errors.js';

export type ScimFilter =
  | { readonly op: 'and' | 'or'; readonly left: ScimFilter; readonly right: ScimFilter }
  | { readonly op: 'not'; readonly filter: ScimFilter }
  | { readonly op: 'pr'; readonly path: readonly string[] }
  | { readonly op: 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'; readonly path: readonly string[]; readonly value: string | number | boolean | null };

const COMPARE = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const TOKEN = /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|([A-Za-z][\w.$-]*)|(-?\d+(?:\.\d+)?))/y;
const MAX_LENGTH = 1024;

const invalid = (reason: string) => identityErrors.create('SCIM_FILTER_INVALID', { details: { reason } });

type Token = { kind: 'open' | 'close' } | { kind: 'string'; value: string } | { kind: 'word'; value: string } | { kind: 'number'; value: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) throw invalid(`unexpected character at ${at}`);
    if (m[1] !== undefined) tokens.push({ kind: 'open' });
    else if (m[2] !== undefined) tokens.push({ kind: 'close' });
    else if (m[3] !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(m[3]);
      } catch {
        throw invalid(`bad string at ${at}`);
      }
      tokens.push({ kind: 'string', value: value as string });
    } else if (m[4] !== undefined) tokens.push({ kind: 'word', value: m[4] });
    else tokens.push({ kind: 'number', value: Number(m[5]) });
  }
  return tokens;
}

/**
 * @example parseScimFilter('userName eq "bjensen" and active eq true')
 */
export function parseScimFilter(text: string): ScimFilter {
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_LENGTH) throw invalid(`1–${MAX_LENGTH} characters`);
  const tokens = tokenize(text);
  let i = 0;
  const word = (t: Token | undefined, w: string) => t?.kind === 'word' && t.value.toLowerCase() === w;
  const peek = () => tokens[i];

  function expression(depth: number): ScimFilter {
    if (depth > 32) throw invalid('nested too deeply');
    let left = conjunction(depth);
    while (word(peek(), 'or')) {
      i += 1;
      left = { op: 'or', left, right: conjunction(depth) };
    }
    return left;
  }
  function conjunction(depth: number): ScimFilter {
    let left = factor(depth);
    while (word(peek(), 'and')) {
      i += 1;
      left = { op: 'and', left, right: factor(depth) };
    }
    return left;
  }
  function factor(depth: number): ScimFilter {
    const t = peek();
    if (word(t, 'not')) {
      i += 1;
      if (peek()?.kind !== 'open') throw invalid('not must be followed by (');
      return { op: 'not', filter: factor(depth + 1) };
    }
    if (t?.kind === 'open') {
      i += 1;
      const inner = expression(depth + 1);
      if (peek()?.kind !== 'close') throw invalid('missing )');
      i += 1;
      return inner;
    }
    if (t?.kind !== 'word') throw invalid('expected an attribute');
    if (t.value.includes(':')) throw invalid('URN-prefixed attributes are not supported');
    const path = t.value.toLowerCase().split('.');
    if (path.length > 2 || path.some((p) => p === '')) throw invalid(`bad attribute path ${t.value}`);
    i += 1;
    const op = peek();
    if (op?.kind !== 'word') throw invalid('expected an operator');
    const name = op.value.toLowerCase();
    i += 1;
    if (name === 'pr') return { op: 'pr', path };
    if (!COMPARE.has(name)) throw invalid(`unknown operator ${op.value}`);
    const v = peek();
    i += 1;
    let value: string | number | boolean | null;
    if (v?.kind === 'string' || v?.kind === 'number') value = v.value;
    else if (word(v, 'true')) value = true;
    else if (word(v, 'false')) value = false;
    else if (word(v, 'null')) value = null;
    else throw invalid('expected a value');
    return { op: name as 'eq', path, value };
  }

  const filter = expression(0);
  if (i !== tokens.length) throw invalid('unexpected input after the filter');
  return filter;
}

/** The values at `path` (case-insensitive names; a multi-valued attribute gives each element's). */
function valuesAt(resource: unknown, path: readonly string[]): unknown[] {
  const spread = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value]);
  let current: unknown[] = [resource];
  for (const segment of path) {
    const next: unknown[] = [];
    for (const item of current.flatMap(spread)) {
      if (typeof item !== 'object' || item === null) continue;
      const record = item as Record<string, unknown>;
      const key = Object.keys(record).find((k) => k.toLowerCase() === segment);
      if (key !== undefined) next.push(record[key]);
    }
    current = next;
  }
  // A multi-valued attribute without a sub-attribute compares its elements' `value`.
  const valueOf = (e: unknown): unknown => (typeof e === 'object' && e !== null && 'value' in e ? (e).value : e);
  return current.flatMap((c) => (Array.isArray(c) ? (c as unknown[]).map(valueOf) : [c]));
}

function compare(op: string, actual: unknown, expected: string | number | boolean | null): boolean {
  if (expected === null) return op === 'eq' ? actual === null || actual === undefined : op === 'ne' ? actual !== null && actual !== undefined : false;
  if (typeof expected === 'string' && typeof actual === 'string') {
    // RFC 7643 §2.2: strings compare case-insensitively unless caseExact (ids and dates compare the same way here).
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    switch (op) {
      case 'eq': return a === e;
      case 'ne': return a !== e;
      case 'co': return a.includes(e);
      case 'sw': return a.startsWith(e);
      case 'ew': return a.endsWith(e);
      case 'gt': return a > e;
      case 'ge': return a >= e;
      case 'lt': return a < e;
      case 'le': return a <= e;
    }
  }
  if (typeof expected === typeof actual) {
    switch (op) {
      case 'eq': return actual === expected;
      case 'ne': return actual !== expected;
      case 'gt': return typeof actual === 'number' && actual > (expected as number);
      case 'ge': return typeof actual === 'number' && actual >= (expected as number);
      case 'lt': return typeof actual === 'number' && actual < (expected as number);
      case 'le': return typeof actual === 'number' && actual <= (expected as number);
    }
    return false;
  }
  return op === 'ne';
}

/** @example matchesScimFilter(parseScimFilter('active eq true'), user) */
export function matchesScimFilter(filter: ScimFilter, resource: unknown): boolean {
  switch (filter.op) {
    case 'and': return matchesScimFilter(filter.left, resource) && matchesScimFilter(filter.right, resource);
    case 'or': return matchesScimFilter(filter.left, resource) || matchesScimFilter(filter.right, resource);
    case 'not': return !matchesScimFilter(filter.filter, resource);
    case 'pr': return valuesAt(resource, filter.path).some((v) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0));
    default: {
      const values = valuesAt(resource, filter.path);
      if (filter.op === 'ne') return values.length === 0 ? filter.value !== null : values.every((v) => compare('ne', v, filter.value));
      if (values.length === 0) return compare(filter.op, undefined, filter.value);
      return values.some((v) => compare(filter.op, v, filter.value));
    }
  }
}
