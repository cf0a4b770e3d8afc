// JWT verification with jose: configured algorithms only, the key type bound to the algorithm
// family (no HS/RS confusion), issuer, audience and expiry checked with a bounded clock skew.
import { webcrypto } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { coreErrors, systemClock, type Clock } from '../core/index.js';
import { resolveErrors } from './errors.js';

const SYMMETRIC = ['HS256', 'HS384', 'HS512'] as const;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof SYMMETRIC)[number] | (typeof ASYMMETRIC)[number];

export interface JwtVerifierOptions {
  readonly algorithms: readonly JwtAlgorithm[];
  readonly issuer: string;
  readonly audience: string;
  /** Tolerated clock skew for exp/nbf; at most 300 s. Default 30 s. */
  readonly clockToleranceSec?: number;
  /** A shared secret (HS* only) … */
  readonly secret?: string | Uint8Array;
  /** … or the identity provider's JWKS endpoint (asymmetric algorithms only); keys are cached. */
  readonly jwksUrl?: string;
  /**
   * … or a function returning the key set (asymmetric algorithms only): keys held in this
   * process's own store, e.g. Tenantry's token signing keys. Reloaded after `jwksCacheMs`
   * (default 60 s here), and at once (at most once a second) for a token naming an unknown
   * `kid`, so a rotation is seen without waiting.
   */
  readonly jwks?: () => Promise<JSONWebKeySet>;
  /** How long fetched JWKS keys are trusted. Default 10 minutes. */
  readonly jwksCacheMs?: number;
  /**
   * How long a verified token's claims are reused for the same token string, so a client
   * sending one token with every request pays for one signature check, not one per request.
   * Never past the token's `exp` (plus tolerance). Default 60 s; 0 turns the cache off. With a
   * JWKS, a key withdrawn by the identity provider stops verifying cached tokens after at most
   * this long.
   */
  readonly verifiedCacheMs?: number;
  /** Cached tokens kept at most (oldest dropped first). Default 10,000. */
  readonly verifiedCacheEntries?: number;
  readonly clock?: Clock;
}

export interface JwtVerifier {
  /** The verified payload; throws TOKEN_INVALID for any failure (the reason stays in the cause). */
  verify(token: string): Promise<JWTPayload>;
}

function invalidConfig(reason: string): Error {
  return coreErrors.create('CONFIG_INVALID', { details: { path: 'jwt', reason } });
}

/**
 * @example
 * const verifier = createJwtVerifier({ algorithms: ['RS256'], issuer: 'https://id.example.com/', audience: 'api', jwksUrl: 'https://id.example.com/.well-known/jwks.json' });
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  if (options.algorithms.length === 0) throw invalidConfig('algorithms must name at least one algorithm');
  const symmetric = options.algorithms.every((a) => (SYMMETRIC as readonly string[]).includes(a));
  const asymmetric = options.algorithms.every((a) => (ASYMMETRIC as readonly string[]).includes(a));
  // One family per verifier: a secret accepted for RS256 tokens is the classic confusion attack.
  if (!symmetric && !asymmetric) throw invalidConfig('algorithms mix HS* with asymmetric algorithms');
  const sources = [options.secret, options.jwksUrl, options.jwks].filter((s) => s !== undefined).length;
  if (sources !== 1) throw invalidConfig('give exactly one of secret, jwksUrl or jwks');
  if (options.secret !== undefined && !symmetric) throw invalidConfig('a secret verifies HS* algorithms only');
  if ((options.jwksUrl !== undefined || options.jwks !== undefined) && !asymmetric) throw invalidConfig('a JWKS verifies asymmetric algorithms only');
  const clockTolerance = options.clockToleranceSec ?? 30;
  if (clockTolerance < 0 || clockTolerance > 300) throw invalidConfig('clockToleranceSec must be 0–300');
  if (typeof options.secret === 'string' && Buffer.byteLength(options.secret) < 32) throw invalidConfig('a secret must be at least 32 bytes');

  const cacheMs = options.verifiedCacheMs ?? 60_000;
  const cacheEntries = options.verifiedCacheEntries ?? 10_000;
  if (!Number.isInteger(cacheMs) || cacheMs < 0 || cacheMs > 3_600_000) throw invalidConfig('verifiedCacheMs must be an integer from 0 to 3,600,000');
  if (!Number.isInteger(cacheEntries) || cacheEntries < 1) throw invalidConfig('verifiedCacheEntries must be a positive integer');
  const clock = options.clock ?? systemClock;

  const key: JWTVerifyGetKey =
    options.secret !== undefined
      ? hmacKeys(typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret)
      : options.jwks !== undefined
        ? loadedKeySet(options.jwks, options.jwksCacheMs ?? 60_000, clock)
        : createRemoteJWKSet(new URL(options.jwksUrl as string), { cacheMaxAge: options.jwksCacheMs ?? 600_000, cooldownDuration: 30_000 });
  // Built once: only the time changes from one verification to the next.
  const verifyOptions = { algorithms: [...options.algorithms], issuer: options.issuer, audience: options.audience, clockTolerance, requiredClaims: ['exp'] };
  // Keyed by the whole token, signature included: a token that differs in one byte is a miss
  // and is verified from scratch.
  const verified = new Map<string, { payload: JWTPayload; untilMs: number }>();

  return {
    async verify(token) {
      const nowMs = clock.now().getTime();
      const hit = verified.get(token);
      if (hit !== undefined) {
        if (hit.untilMs > nowMs) return hit.payload;
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, { ...verifyOptions, currentDate: new Date(nowMs) }));
      } catch (cause) {
        throw resolveErrors.create('TOKEN_INVALID', { cause });
      }
      if (cacheMs > 0) {
        if (verified.size >= cacheEntries) verified.delete(verified.keys().next().value as string);
        // Frozen: every request presenting this token gets this same object.
        verified.set(token, { payload: deepFreeze(payload), untilMs: Math.min(nowMs + cacheMs, ((payload.exp as number) + clockTolerance) * 1000) });
      }
      return payload;
    },
  };
}

/**
 * Verifies each token with the verifier of the issuer it names (`iss`, read before the
 * signature is checked only to choose the verifier, which then checks it). A token of no listed
 * issuer is TOKEN_INVALID. How a server accepts both its own tokens and an identity provider's.
 *
 * @example const verifier = jwtVerifierByIssuer([{ issuer: 'https://tenantry.example.com', verifier: own }, { issuer: 'https://id.example.com/', verifier: idp }]);
 */
export function jwtVerifierByIssuer(entries: readonly { readonly issuer: string; readonly verifier: JwtVerifier }[]): JwtVerifier {
  const byIssuer = new Map(entries.map((e) => [e.issuer, e.verifier]));
  return {
    async verify(token) {
      let issuer: unknown;
      try {
        issuer = decodeJwt(token).iss;
      } catch (cause) {
        throw resolveErrors.create('TOKEN_INVALID', { cause });
      }
      const verifier = typeof issuer === 'string' ? byIssuer.get(issuer) : undefined;
      if (verifier === undefined) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'unknown issuer' } });
      return verifier.verify(token);
    },
  };
}

/** Keys from `load`, reloaded when stale or (throttled) when a token names a kid not among them. */
function loadedKeySet(load: () => Promise<JSONWebKeySet>, cacheMs: number, clock: Clock): JWTVerifyGetKey {
  let cached: { atMs: number; kids: Set<string | undefined>; getKey: JWTVerifyGetKey } | undefined;
  let loading: Promise<void> | undefined;
  const reload = (nowMs: number): Promise<void> => {
    loading ??= load().then(
      (set) => { cached = { atMs: nowMs, kids: new Set(set.keys.map((k) => k.kid)), getKey: createLocalJWKSet(set) }; },
    ).finally(() => { loading = undefined; });
    return loading;
  };
  return async (header, token) => {
    const nowMs = clock.now().getTime();
    const stale = cached === undefined || nowMs - cached.atMs >= cacheMs;
    // An unknown kid may be a key rotated in since the last load: look again, at most once a second.
    const unknownKid = cached !== undefined && !cached.kids.has(header.kid) && nowMs - cached.atMs >= 1000;
    if (stale || unknownKid) await reload(nowMs);
    return (cached as { getKey: JWTVerifyGetKey }).getKey(header, token);
  };
}

/**
 * The shared secret imported once per HS* algorithm: importing it on every verification (what
 * jose does with raw bytes) costs more than the HMAC itself.
 */
function hmacKeys(secret: Uint8Array): JWTVerifyGetKey {
  const imported = new Map<string, Promise<webcrypto.CryptoKey>>();
  return ({ alg }) => {
    let key = imported.get(alg);
    if (key === undefined) {
      key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']);
      imported.set(alg, key);
    }
    return key;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
