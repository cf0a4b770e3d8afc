// JWT strategy: the tenant named by a claim of a verified bearer token.
import { resolveErrors } from '../errors.js';
import type { JwtVerifier } from '../jwt-verifier.js';
import type { TenantStrategy } from '../strategy.js';
import { referenceFrom } from './reference.js';

/**
 * A request with a bearer token must carry a valid one: an invalid token throws TOKEN_INVALID
 * instead of letting a weaker strategy decide.
 *
 * @example jwtClaimStrategy({ verifier, claim: 'tenant_id' })
 */
export function jwtClaimStrategy(options: { verifier: JwtVerifier; claim?: string }): TenantStrategy {
  const claim = options.claim ?? 'tenant_id';
  return {
    name: 'jwt',
    async match(request) {
      // The scheme is case-insensitive (RFC 9110): `bearer x` is a token too, not "no token".
      const match = /^bearer\s+(\S+)\s*$/i.exec(request.header('authorization') ?? '');
      if (!match) return undefined;
      const payload = await options.verifier.verify(match[1] as string);
      const value = payload[claim];
      const reference = typeof value === 'string' ? referenceFrom(value) : undefined;
      if (!reference) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: `missing or malformed ${claim} claim` } });
      return { reference, weight: 'authoritative', credentials: { ...payload } };
    },
  };
}
