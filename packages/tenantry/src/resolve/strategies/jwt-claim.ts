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
      const authorization = request.header('authorization');
      if (!authorization?.startsWith('Bearer ')) return undefined;
      const payload = await options.verifier.verify(authorization.slice(7).trim());
      const value = payload[claim];
      const reference = typeof value === 'string' ? referenceFrom(value) : undefined;
      if (!reference) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: `missing or malformed ${claim} claim` } });
      return { reference, weight: 'authoritative', credentials: { ...payload } };
    },
  };
}
