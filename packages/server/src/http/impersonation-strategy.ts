// Resolving the tenant of a request from an operator's impersonation token
// (`Authorization: Bearer tnt_imp_…`), and keeping such tokens away from the JWT strategy,
// which reads the same header and would call them malformed JWTs.
import type { Impersonation } from 'tenantry/control';
import { resolveErrors, type TenantStrategy } from 'tenantry/resolve';

const TOKEN = /^bearer\s+(tnt_imp_\S+)\s*$/i;

/**
 * The tenant of an active impersonation session. A token that looks like one but is unknown,
 * ended or expired is TOKEN_INVALID: it never falls through to a weaker strategy.
 *
 * @example createTenantResolver({ strategies: [impersonationStrategy(control.impersonation)], tenants: registry });
 */
export function impersonationStrategy(impersonation: Pick<Impersonation, 'activeImpersonation'>): TenantStrategy {
  return {
    name: 'impersonation',
    async match(request) {
      const token = TOKEN.exec(request.header('authorization') ?? '')?.[1];
      if (token === undefined) return undefined;
      const session = await impersonation.activeImpersonation(token);
      if (!session) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'the impersonation session is unknown, ended or expired' } });
      return { reference: { by: 'id', id: session.tenantId }, weight: 'authoritative', credentials: { operatorId: session.operatorId, sessionId: session.id } };
    },
  };
}

/**
 * `strategy`, except for requests carrying an impersonation token.
 *
 * @example unlessImpersonationToken(jwtClaimStrategy({ verifier }))
 */
export function unlessImpersonationToken(strategy: TenantStrategy): TenantStrategy {
  return { name: strategy.name, match: (request) => (TOKEN.test(request.header('authorization') ?? '') ? undefined : strategy.match(request)) };
}
