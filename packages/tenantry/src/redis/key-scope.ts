// One function builds every Redis key a tenant's data lives under (docs/isolation-rules.md
// rule 16): each part is escaped into an alphabet without separators, glob characters or
// hash-tag braces, so no tenant id or user-supplied part can address, or SCAN-match, another
// tenant's keys.
import { coreErrors } from '../core/index.js';

/**
 * What a part may contain unescaped. Everything else (`:` the separator, `{` `}` hash tags,
 * `*` `?` `[` `]` `\` `^` glob syntax, `%` the escape itself, control characters, non-ASCII)
 * becomes `%XX` (ASCII) or `%uXXXX` (any other UTF-16 code unit, lone surrogates included, so
 * two different JS strings never meet in one byte string the way UTF-8's U+FFFD would make them).
 */
const SAFE = /^[A-Za-z0-9_.-]*$/;
const PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Escapes one key part. Injective, and its output holds only `[A-Za-z0-9_.%u-]`.
 *
 * @example escapeKeyPart('a:b*') // 'a%3Ab%2A'
 */
export function escapeKeyPart(part: string): string {
  if (SAFE.test(part)) return part;
  let out = '';
  for (let i = 0; i < part.length; i += 1) {
    const ch = part[i] as string;
    const code = part.charCodeAt(i);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || ch === '_' || ch === '.' || ch === '-') out += ch;
    else if (code < 128) out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += `%u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** Options of {@link keysFor}. */
export interface KeyScopeOptions {
  /**
   * The application's key space, e.g. `'myapp'`: 1–64 characters of `A–Z a–z 0–9 _ . -`.
   * Default `'tenantry'`. Every tenant key starts with `<prefix>:{`.
   */
  readonly prefix?: string;
}

/** A tenant's key namespace: every key built here belongs to that tenant and to no other. */
export interface TenantKeys {
  readonly tenantId: string;
  /** `<prefix>:{<tenant>}:`: what every key of this tenant starts with (the hash tag puts them in one Cluster slot). */
  readonly prefix: string;
  /**
   * The key for `namespace` and `parts`, each escaped; `parts` may be user-supplied.
   *
   * @example keys.key('sessions', sessionId) // 'tenantry:{8f1c…}:sessions:<escaped id>'
   */
  key(namespace: string, ...parts: readonly string[]): string;
  /**
   * A SCAN MATCH pattern for every key of this tenant, or of one namespace (and leading parts).
   *
   * @example for await (const batch of store.scan(keys.pattern('sessions'), 500)) …
   */
  pattern(...parts: readonly string[]): string;
}

/**
 * Validates a key-space prefix (CONFIG_INVALID naming `prefix` otherwise).
 *
 * @example const prefix = checkKeyPrefix(options.prefix ?? DEFAULT_KEY_PREFIX);
 */
export const checkKeyPrefix = (prefix: string): string => {
  if (!PREFIX.test(prefix)) {
    throw coreErrors.create('CONFIG_INVALID', {
      message: 'The Redis key prefix must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-".',
      details: { path: 'prefix', reason: 'must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-"' },
    });
  }
  return prefix;
};

/**
 * The one way to build a tenant's Redis keys. The escaped tenant id sits inside a Cluster hash
 * tag (`{…}`), so all of a tenant's keys share a slot: multi-key scripts (the rate limiter's
 * tenant + API-key rule) work on Redis Cluster and a tenant purge scans one node. An empty or
 * non-string tenant id throws TENANT_ID_INVALID.
 *
 * @example
 * const keys = keysFor(tenantId, { prefix: 'myapp' });
 * await redis.set(keys.key('sessions', req.params.id), payload);
 */
export function keysFor(tenantId: string, options: KeyScopeOptions = {}): TenantKeys {
  const prefix = tenantKeyPrefix(checkKeyPrefix(options.prefix ?? DEFAULT_KEY_PREFIX), tenantId);
  return Object.freeze({
    tenantId,
    prefix,
    key(namespace: string, ...parts: readonly string[]): string {
      let key = prefix + escapeKeyPart(namespace);
      for (const part of parts) key += `:${escapeKeyPart(part)}`;
      return key;
    },
    pattern(...parts: readonly string[]): string {
      // The escaped parts hold no glob characters, so they match themselves only.
      let pattern = prefix;
      for (const part of parts) pattern += `${escapeKeyPart(part)}:`;
      return `${pattern}*`;
    },
  });
}

/**
 * `<prefix>:{<escaped tenant>}:` for an already checked key-space prefix: the hot paths (rate
 * limiter) build keys from it without allocating a namespace object per call.
 */
export function tenantKeyPrefix(checkedPrefix: string, tenantId: string): string {
  return `${checkedPrefix}:{${escapeKeyPart(checkTenantId(tenantId))}}:`;
}

/**
 * Refused at runtime, whatever the types said: `''` makes the empty hash tag `{}`, which Redis
 * Cluster ignores (the tenant's keys would spread over every slot, and `{}` is shared by every
 * caller with an empty id), and a non-string would be coerced (`undefined` would share the key
 * space of a tenant named "undefined", purge and cache included).
 */
function checkTenantId(tenantId: unknown): string {
  if (typeof tenantId === 'string' && tenantId !== '') return tenantId;
  throw coreErrors.create('TENANT_ID_INVALID', {
    message: 'A tenant\'s Redis keys need a non-empty string tenant id.',
    details: { reason: tenantId === '' ? 'empty' : `a ${tenantId === null ? 'null' : typeof tenantId}, not a string` },
  });
}

/** The key space used when none is given. */
export const DEFAULT_KEY_PREFIX = 'tenantry';
