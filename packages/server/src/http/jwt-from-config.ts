// The JWT verifier the server's configuration describes, or none when JWTs are not configured.
import type { Clock } from 'tenantry';
import { createJwtVerifier, type JwtVerifier } from 'tenantry/resolve';
import type { ServerConfig } from '../config.js';

// One algorithm family per key source: a secret never verifies an RS256 token (and vice versa).
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/**
 * config.ts already refused half a configuration, so issuer and audience are set whenever a
 * key source is.
 *
 * @example const jwtVerifier = jwtVerifierFromConfig(config, systemClock);
 */
export function jwtVerifierFromConfig(config: ServerConfig, clock: Clock): JwtVerifier | undefined {
  const { jwtIssuer: issuer, jwtAudience: audience, jwtSecret: secret, jwtJwksUrl: jwksUrl } = config;
  if (issuer === undefined || audience === undefined) return undefined;
  if (secret !== undefined) return createJwtVerifier({ algorithms: ['HS256'], issuer, audience, secret, clock });
  if (jwksUrl !== undefined) return createJwtVerifier({ algorithms: JWKS_ALGORITHMS, issuer, audience, jwksUrl, clock });
  return undefined;
}
