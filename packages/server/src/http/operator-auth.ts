// Authentication of the operator routes: `Authorization: Bearer tnt_op_…`, verified against the
// operators' token table before anything else of the request is read.
import type { FastifyInstance } from 'fastify';
import type { Operators } from 'tenantry/control';
import { resolveErrors } from 'tenantry/resolve';
import { setOperator } from './principal.js';

/**
 * Adds an onRequest hook to `scope`: every route in it needs a valid operator token, else
 * 401 TOKEN_INVALID (the same answer for a missing, malformed, revoked or expired token, so a
 * caller learns nothing about which tokens exist).
 *
 * @example app.register(async (scope) => { requireOperator(scope, control.operators); registerTenantRoutes(scope, deps); }, { prefix: '/v1' });
 */
export function requireOperator(scope: FastifyInstance, operators: Operators): void {
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const operator = token === '' ? undefined : await operators.verifyToken(token);
    if (!operator) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'an operator token is required' } });
    setOperator(request, operator);
  });
}
