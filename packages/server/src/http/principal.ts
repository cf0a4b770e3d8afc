// Who is calling a /v1 route: an operator (operator token) or a tenant principal (a member
// signed in with a JWT, an API key, or an operator impersonating), kept per request.
import type { FastifyRequest } from 'fastify';
import { coreErrors, type Tenant } from 'tenantry';
import { isPermission, type Actor, type Permission, type VerifiedOperator } from 'tenantry/control';

/** A tenant principal. `member` is false for a signed-in user who is not (yet) a member. */
export type TenantPrincipal =
  | { readonly kind: 'user'; readonly userId: string; readonly email?: string; readonly member: boolean; readonly permissions: readonly Permission[] }
  | { readonly kind: 'apiKey'; readonly keyId: string; readonly scopes: readonly Permission[] }
  | { readonly kind: 'impersonation'; readonly operatorId: string; readonly sessionId: string; readonly permissions: readonly Permission[] }
  /**
   * A JWT with an RFC 8693 `act` claim: the operator `operatorId` acting as the member `userId`.
   * Recorded as the operator, never as the user; holds the member's permissions minus those that
   * mint lasting access (IMPERSONATION_PERMISSIONS), and is no signed-in user (accepts nothing).
   */
  | { readonly kind: 'delegated'; readonly userId: string; readonly operatorId: string; readonly permissions: readonly Permission[] };

// WeakMaps, not request decorations: nothing else can read or forge them, and they go with the request.
const operators = new WeakMap<FastifyRequest, VerifiedOperator>();
const principals = new WeakMap<FastifyRequest, TenantPrincipal>();
const resolvedTenants = new WeakMap<FastifyRequest, Tenant>();

/** @example setOperator(request, await control.operators.verifyToken(token)); */
export function setOperator(request: FastifyRequest, operator: VerifiedOperator): void {
  operators.set(request, operator);
}

/**
 * The operator of an operator route as every record of its actions names it: `operator:<id>`
 * and the request id (audit events, registry changes, operator_actions).
 *
 * @example await registry.suspend(id, operatorAuthorOf(request));
 */
export function operatorAuthorOf(request: FastifyRequest): { readonly actor: string; readonly requestId: string } {
  return { actor: `operator:${operatorOf(request).operatorId}`, requestId: request.id };
}

/** @example setTenantPrincipal(request, { kind: 'apiKey', keyId, scopes }); */
export function setTenantPrincipal(request: FastifyRequest, principal: TenantPrincipal): void {
  principals.set(request, principal);
}

/** The operator of an operator route; throws when the route skipped authentication (a wiring bug). */
export function operatorOf(request: FastifyRequest): VerifiedOperator {
  const operator = operators.get(request);
  if (!operator) throw coreErrors.create('INTERNAL', { message: 'operator route without an authenticated operator' });
  return operator;
}

/** @example setResolvedTenant(request, resolved.tenant); */
export function setResolvedTenant(request: FastifyRequest, tenant: Tenant): void {
  resolvedTenants.set(request, tenant);
}

/** The registry record the tenant of a tenant route was resolved to (its plan, status …). */
export function resolvedTenantOf(request: FastifyRequest): Tenant {
  const tenant = resolvedTenants.get(request);
  if (!tenant) throw coreErrors.create('INTERNAL', { message: 'tenant route without a resolved tenant' });
  return tenant;
}

/** @example const principal = tryTenantPrincipalOf(request); */
export function tryTenantPrincipalOf(request: FastifyRequest): TenantPrincipal | undefined {
  return principals.get(request);
}

/** The principal of a tenant route; throws when the route skipped authentication (a wiring bug). */
export function tenantPrincipalOf(request: FastifyRequest): TenantPrincipal {
  const principal = principals.get(request);
  if (!principal) throw coreErrors.create('INTERNAL', { message: 'tenant route without an authenticated principal' });
  return principal;
}

/**
 * The actor the control services record and bound grants by: `user:<id>` with its role's
 * permissions, `api-key:<id>` with its scopes, or `operator:<id>` (impersonating) with the
 * admin role's.
 *
 * @example await control.members.add(scope, input, actorOf(request));
 */
export function actorOf(request: FastifyRequest): Actor {
  const principal = tenantPrincipalOf(request);
  switch (principal.kind) {
    case 'user': return { id: `user:${principal.userId}`, permissions: principal.permissions };
    case 'apiKey': return { id: `api-key:${principal.keyId}`, permissions: principal.scopes };
    case 'impersonation': return { id: `operator:${principal.operatorId}`, permissions: principal.permissions };
    case 'delegated': return { id: `operator:${principal.operatorId}`, permissions: principal.permissions };
  }
}

/** What the principal may do, in the shape hasPermission takes. */
export function permissionHolderOf(principal: TenantPrincipal): { permissions: readonly Permission[] } | { scopes: readonly Permission[] } {
  return principal.kind === 'apiKey' ? { scopes: principal.scopes } : { permissions: principal.permissions };
}

/** @example permissionsFrom(['members:read', 'bogus']) // ['members:read'] */
export function permissionsFrom(values: readonly unknown[]): Permission[] {
  return values.filter(isPermission);
}
