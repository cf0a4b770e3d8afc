// Authentication and authorization of the tenant routes: the tenantry Fastify plugin resolves
// the tenant from an API key, a JWT or an operator's impersonation token, the principal is
// derived from those credentials, and a preValidation hook checks the route's declared access
// before the body is even validated.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { coreErrors, type Tenant, type TenantId } from 'tenantry';
import { tenantryFastify } from 'tenantry/adapters/fastify';
import { controlErrors, IMPERSONATION_PERMISSIONS, hasPermission, type Permission } from 'tenantry/control';
import { tenantIssuerStrategy } from 'tenantry/identity';
import { withPoolTransaction, type SqlPool } from 'tenantry/postgres';
import {
  apiKeyStrategy, createTenantResolver, jwtClaimStrategy, resolveErrors, type ResolvedTenant, type TenantLookup, type TenantRequest, type TenantStrategy,
} from 'tenantry/resolve';
import type { ApiDependencies } from './api-dependencies.js';
import { impersonationStrategy, unlessImpersonationToken } from './impersonation-strategy.js';
import { logProblem } from './problem-handlers.js';
import { unstorablePath } from './text-guard.js';
import { permissionHolderOf, permissionsFrom, setResolvedTenant, setTenantPrincipal, tryTenantPrincipalOf, type TenantPrincipal } from './principal.js';

/**
 * What a route demands: a permission (member role or key scope), a signed-in user (accepting an
 * invitation), or any principal of the tenant (a member, an API key, an impersonating operator:
 * the gateway's authorize route, whose upstream checks permissions itself).
 */
export type RouteAccess = Permission | 'signed-in-user' | 'tenant-principal';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every tenant route declares one; a route without it is refused (fail closed). */
    access?: RouteAccess;
  }
}

/** The user id of a verified JWT, exactly as issued; TOKEN_INVALID when it cannot be one. */
function subjectOf(claims: Readonly<Record<string, unknown>>): string {
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId === '') throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'missing sub claim' } });
  // A subject no member id can be (NUL, an unpaired surrogate, over 256 characters) is nobody:
  // it must not reach the member lookup, where PostgreSQL would refuse it with a 500.
  if (userId.length > 256 || unstorablePath(userId) !== undefined) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'the sub claim is not a valid user id' } });
  return userId;
}

const OPERATOR_ACTOR = /^operator:([A-Za-z0-9_-]{1,128})$/;

/**
 * The operator an `act` claim (RFC 8693 §4.1) names, or undefined when the token has none. Only
 * the form Tenantry issues (`{ sub: 'operator:<id>' }`) is accepted: any other actor is a
 * delegation this server cannot attribute, refused as TOKEN_INVALID rather than read as the user.
 */
function delegatingOperatorOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  if (!('act' in claims) || claims.act === undefined) return undefined;
  const act = claims.act;
  const sub = typeof act === 'object' && act !== null && !Array.isArray(act) ? (act as Record<string, unknown>).sub : undefined;
  const operatorId = typeof sub === 'string' ? OPERATOR_ACTOR.exec(sub)?.[1] : undefined;
  if (operatorId === undefined) throw resolveErrors.create('TOKEN_INVALID', { details: { reason: 'the act claim must be { "sub": "operator:<id>" }' } });
  return operatorId;
}

async function principalFor(resolved: ResolvedTenant, deps: ApiDependencies): Promise<TenantPrincipal> {
  const session = resolved.credentials.impersonation;
  if (session !== undefined) {
    // An operator acts as an admin who cannot mint lasting access (keys, members, roles,
    // secrets): the session ends, what it made must not outlive it.
    return { kind: 'impersonation', operatorId: String(session.operatorId), sessionId: String(session.sessionId), permissions: IMPERSONATION_PERMISSIONS };
  }
  const key = resolved.credentials.apiKey;
  if (key !== undefined) {
    return { kind: 'apiKey', keyId: String(key.keyId), scopes: permissionsFrom(Array.isArray(key.scopes) ? key.scopes : []) };
  }
  const claims = resolved.credentials.jwt ?? {};
  const userId = subjectOf(claims);
  const operatorId = delegatingOperatorOf(claims);
  // From the instance's cache when it holds the answer: a removal or a role change on any
  // instance drops it (the change feed), so the request costs no round trip for it.
  const member = await deps.control.access.member(resolved.tenant.id, userId);
  if (operatorId !== undefined) {
    // Acting as the user, bounded twice: never beyond what the user holds, never what would
    // outlive the token (keys, members, roles, secrets, SSO connections).
    const permissions = (member?.permissions ?? []).filter((p) => IMPERSONATION_PERMISSIONS.includes(p));
    return { kind: 'delegated', userId, operatorId, permissions };
  }
  const email = typeof claims.email === 'string' && claims.email_verified === true ? { email: claims.email } : {};
  return { kind: 'user', userId, ...email, member: member !== undefined, permissions: member?.permissions ?? [] };
}

/** What a signed-in user who is not a member of the tenant gets on this route (see checkAccess). */
function notAMember(request: FastifyRequest | undefined): Error {
  const access = request?.routeOptions.config.access;
  // On the accept route a non-member's unknown invitation token is INVITATION_NOT_FOUND.
  if (access === 'signed-in-user') return controlErrors.create('INVITATION_NOT_FOUND');
  return controlErrors.create('PERMISSION_DENIED', { details: { permission: access ?? 'none declared' } });
}

/**
 * Whether `userId` is a member of a tenant the gate refuses (suspended, offboarding,
 * provisioning): read as the operator, which may see only the members table's two key columns,
 * and only under its row-level policy, with this tenant set for this one transaction.
 */
async function isMemberBeyondTheGate(operator: SqlPool, tenant: Tenant, userId: string): Promise<boolean> {
  return withPoolTransaction(operator, async (connection) => {
    await connection.query("SELECT pg_catalog.set_config('app.tenant_id', $1, true)", [tenant.id]);
    const { rows } = await connection.query('SELECT 1 FROM tenantry.members WHERE tenant_id = $1 AND user_id = $2', [tenant.id, userId]);
    return rows.length > 0;
  });
}

/**
 * A correctly signed token naming a tenant its user is not a member of answers what it answers
 * for an active tenant (403 PERMISSION_DENIED) whether that tenant does not exist, was deleted,
 * or is suspended, offboarding or provisioning: otherwise any valid token could probe which
 * tenants exist and which are suspended. A member of a non-active tenant is let through to the
 * resolver, which tells them why they are refused (TENANT_SUSPENDED, TENANT_NOT_ACTIVE). The
 * membership is read only on that path, the hot path (an active tenant) costs nothing more.
 * Without an operator pool membership cannot be read there: every caller gets the non-member's
 * answer (fail closed). With an API key in the same request the key names the tenant: a token
 * naming any other (unknown, active or not) is TENANT_AMBIGUOUS, also never a probe.
 */
function sameAnswerForNonMembers(strategy: TenantStrategy, gate: NonMemberGate): TenantStrategy {
  return {
    name: strategy.name,
    async match(request) {
      const match = await strategy.match(request);
      if (match === undefined) return undefined;
      // Before the tenant is looked up: an unusable subject gets one answer whatever it names.
      const userId = subjectOf(match.credentials ?? {});
      const { reference } = match;
      const found = reference.by === 'id' ? await gate.tenants.tryGet(reference.id) : await gate.tenants.tryGetBySlug(reference.slug);
      const key = gate.keyTenants.get(request);
      if (key !== undefined) {
        if (found?.id !== key.tenant) throw resolveErrors.create('TENANT_AMBIGUOUS', { details: { sources: [key.source, strategy.name] } });
        return match;
      }
      if (found === undefined || found.status === 'deleted') throw notAMember(gate.current.getStore());
      if (found.status !== 'active' && (gate.operator === undefined || !await isMemberBeyondTheGate(gate.operator, found, userId))) throw notAMember(gate.current.getStore());
      return match;
    },
  };
}

/** What the JWT strategy's wrapper reads besides the token. */
interface NonMemberGate {
  readonly tenants: TenantLookup;
  readonly operator: SqlPool | undefined;
  /** The Fastify request, for the route's declared access. */
  readonly current: AsyncLocalStorage<FastifyRequest>;
  /** The tenant an API key of the same request named (the key strategy runs first). */
  readonly keyTenants: WeakMap<TenantRequest, KeyTenant>;
}

interface KeyTenant { readonly tenant: TenantId; readonly source: string }

/** `strategy` (the API-key strategy), recording the tenant its key names for the JWT strategy after it. */
function recordingKeyTenant(strategy: TenantStrategy, keyTenants: WeakMap<TenantRequest, KeyTenant>): TenantStrategy {
  return {
    name: strategy.name,
    async match(request) {
      const match = await strategy.match(request);
      if (match?.reference.by === 'id') keyTenants.set(request, { tenant: match.reference.id, source: strategy.name });
      return match;
    },
  };
}

const RATE_LIMIT_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'] as const;

function checkAccess(request: FastifyRequest): void {
  const access = request.routeOptions.config.access;
  const principal = tryTenantPrincipalOf(request);
  if (principal === undefined) throw coreErrors.create('INTERNAL', { message: 'tenant route reached without a principal' });
  if (access === 'signed-in-user') {
    if (principal.kind !== 'user') throw controlErrors.create('PERMISSION_DENIED', { details: { permission: access } });
    return;
  }
  if (access === 'tenant-principal') {
    // A signed-in user who is not a member is nobody in this tenant.
    if (principal.kind === 'user' && !principal.member) throw controlErrors.create('PERMISSION_DENIED', { details: { permission: access } });
    return;
  }
  if (access === undefined || !hasPermission(permissionHolderOf(principal), access)) throw controlErrors.create('PERMISSION_DENIED', { details: { permission: access ?? 'none declared' } });
}

/**
 * Bearer JWTs: tenants' own issuers first (a registered issuer's token belongs to its tenant
 * whatever it claims), then the configured issuers' tokens by their tenant claim.
 */
function jwtStrategies(deps: ApiDependencies, gate: NonMemberGate): TenantStrategy[] {
  const configured = deps.jwtVerifier ? jwtClaimStrategy({ verifier: deps.jwtVerifier }) : undefined;
  const strategy = deps.identity ? tenantIssuerStrategy(deps.identity.tenantIssuers, configured) : configured;
  return strategy ? [unlessImpersonationToken(sameAnswerForNonMembers(strategy, gate))] : [];
}

/**
 * Makes `scope` a tenant scope. Register it inside an encapsulated plugin, so routes outside
 * (and unknown paths) never resolve a tenant.
 *
 * @example app.register(async (scope) => { await tenantScope(scope, deps); registerMemberRoutes(scope, deps); }, { prefix: '/v1/tenant' });
 */
export async function tenantScope(scope: FastifyInstance, deps: ApiDependencies): Promise<void> {
  // The plugin's onResolved sees a neutral request, not Fastify's: this store carries the
  // Fastify request into it, because the plugin's hook runs inside this one's `next()`.
  const current = new AsyncLocalStorage<FastifyRequest>();
  const keyTenants = new WeakMap<TenantRequest, KeyTenant>();
  // One lookup for the resolver and the non-member gate: cached per instance (with a change
  // feed), so the JWT path's second look at the tenant costs nothing.
  const tenants = deps.registry.lookup;
  const gate: NonMemberGate = { tenants, operator: deps.operator, current, keyTenants };
  const resolver = createTenantResolver({
    strategies: [
      recordingKeyTenant(apiKeyStrategy({ verify: deps.control.apiKeys.verifyApiKey }), keyTenants),
      impersonationStrategy(deps.control.impersonation),
      ...jwtStrategies(deps, gate),
    ],
    tenants,
  });
  scope.addHook('onRequest', (request, _reply, next) => {
    // No credential at all is an unauthenticated request (401), not an unresolvable tenant:
    // these routes take their tenant from the credential.
    if (request.headers.authorization === undefined && request.headers['x-api-key'] === undefined) {
      next(resolveErrors.create('TOKEN_INVALID', { details: { reason: 'a credential is required: X-Api-Key, or Authorization: Bearer <JWT or impersonation token>' } }));
      return;
    }
    current.run(request, next);
  });
  await scope.register(tenantryFastify, {
    resolver,
    requestId: (request) => request.id,
    // Refusals (an offboarding or suspended tenant, a bad credential) logged like every other problem.
    onProblem: logProblem,
    onResolved: async (resolved) => {
      const request = current.getStore();
      if (request === undefined) throw coreErrors.create('INTERNAL', { message: 'tenant request store is empty' });
      setResolvedTenant(request, resolved.tenant);
      setTenantPrincipal(request, await principalFor(resolved, deps));
    },
  });
  scope.addHook('preValidation', async (request, reply) => {
    try {
      checkAccess(request);
    } catch (err) {
      // The limiter ran first (onRequest) and set the tenant's RateLimit-* headers: a refusal must
      // not show the named tenant's plan limit and live traffic to a caller who may not act in it
      // (and a non-member's 403 must read the same whether the tenant is active or not).
      for (const header of RATE_LIMIT_HEADERS) void reply.removeHeader(header);
      throw err;
    }
  });
}
