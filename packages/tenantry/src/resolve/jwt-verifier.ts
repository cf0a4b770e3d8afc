// JWT verification with jose: configured algorithms only, the key type bound to the algorithm
// family (no HS/RS confusion), issuer, audience and expiry checked with a bounded clock skew.
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { coreErrors } from '../core/index.js';
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
  /** How long fetched JWKS keys are trusted. Default 10 minutes. */
  readonly jwksCacheMs?: number;
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
  if ((options.secret === undefined) === (options.jwksUrl === undefined)) throw invalidConfig('give exactly one of secret or jwksUrl');
  if (options.secret !== undefined && !symmetric) throw invalidConfig('a secret verifies HS* algorithms only');
  if (options.jwksUrl !== undefined && !asymmetric) throw invalidConfig('a JWKS verifies asymmetric algorithms only');
  const clockTolerance = options.clockToleranceSec ?? 30;
  if (clockTolerance < 0 || clockTolerance > 300) throw invalidConfig('clockToleranceSec must be 0–300');
  if (typeof options.secret === 'string' && Buffer.byteLength(options.secret) < 32) throw invalidConfig('a secret must be at least 32 bytes');

  const key: Uint8Array | JWTVerifyGetKey =
    options.secret !== undefined
      ? typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret
      : createRemoteJWKSet(new URL(options.jwksUrl as string), { cacheMaxAge: options.jwksCacheMs ?? 600_000, cooldownDuration: 30_000 });

  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key as Uint8Array, {
          algorithms: [...options.algorithms],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance,
          requiredClaims: ['exp'],
        });
        return payload;
      } catch (cause) {
        throw resolveErrors.create('TOKEN_INVALID', { cause });
      }
    },
  };
}
