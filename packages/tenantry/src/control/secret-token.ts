// Bearer secrets shown once (API keys, operator tokens, impersonation sessions, invitations):
// `<prefix>_<public part>_<secret>`, 256 random bits of secret, stored as a SHA-256 and
// compared in constant time.
//
// Why SHA-256 and not a slow KDF (bcrypt, scrypt, argon2): a slow hash protects secrets people
// choose, which can be guessed; it makes each guess expensive. These secrets are 256 random
// bits: there is nothing to guess, and a preimage of SHA-256 is out of reach, so a leaked table
// of hashes yields no usable token either way. A KDF would only add tens of milliseconds of CPU
// to every authenticated request, and hand an attacker a cheap way to burn that CPU.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_BYTES = 32;
/** Length of the base64url text of {@link SECRET_BYTES} random bytes. */
const SECRET_CHARS = 43;

export interface IssuedToken {
  /** The whole token, to show once. */
  readonly token: string;
  /** SHA-256 of the whole token: what is stored. */
  readonly hash: Buffer;
}

/** SHA-256 of the token's UTF-8 bytes. Hashing the whole token binds the secret to its prefix and public part. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * A new token `<prefix>_<publicPart>_<secret>`. The public part (an id, never secret) finds the
 * stored row; the secret is 32 random bytes in base64url.
 *
 * @example const { token, hash } = issueToken('tnt_live', publicId);
 */
export function issueToken(prefix: string, publicPart: string): IssuedToken {
  const token = `${prefix}_${publicPart}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** A random public id: 12 bytes in hex (96 bits: collisions are not a practical concern, and the primary key catches one). */
export function newPublicId(): string {
  return randomBytes(12).toString('hex');
}

// Each pattern is anchored once, not on every request.
const anchoredPatterns = new WeakMap<RegExp, RegExp>();
function anchored(pattern: RegExp): RegExp {
  let whole = anchoredPatterns.get(pattern);
  if (whole === undefined) anchoredPatterns.set(pattern, (whole = new RegExp(`^(?:${pattern.source})$`)));
  return whole;
}

/**
 * The public part of a token of this `prefix` whose public part matches `publicPart`, or
 * undefined when the token does not have that shape. Lengths are checked before anything is
 * looked up, so junk never reaches the database.
 */
export function tokenPublicPart(prefix: string, publicPart: RegExp, token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 512 || !token.startsWith(`${prefix}_`)) return undefined;
  const rest = token.slice(prefix.length + 1);
  const cut = rest.length - SECRET_CHARS - 1;
  if (cut < 1 || rest[cut] !== '_') return undefined;
  const publicText = rest.slice(0, cut);
  if (!anchored(publicPart).test(publicText)) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(rest.slice(cut + 1))) return undefined;
  return publicText;
}

// Compared against when no row was found, so that a miss costs the same hashing and comparing
// as a hit (the lookup itself can still differ in time; public ids are not secret).
const DUMMY_HASH = hashToken('tenantry/no-such-token');

/**
 * Whether `token` hashes to `storedHash`, compared with crypto.timingSafeEqual. Pass
 * `undefined` when no row was found: the comparison still runs, and the answer is false.
 */
export function tokenMatches(token: string, storedHash: Uint8Array | undefined): boolean {
  const presented = hashToken(token);
  const stored = storedHash !== undefined && storedHash.length === presented.length ? storedHash : DUMMY_HASH;
  return timingSafeEqual(presented, stored) && stored !== DUMMY_HASH;
}
