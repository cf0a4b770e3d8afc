// Per-tenant token issuers: a tenant may bring its own IdP's JWTs (its issuer, audience and JWKS
// URL). A token whose `iss` and `aud` name a registered pair is verified with that issuer's keys
// (fetched, cached and re-read on an unknown `kid`, by the injected clock) and belongs to the
// registering tenant only: the tenant comes from the registry, never from a claim, so another
// tenant's issuer cannot name this tenant. The registry is the operator role's (read before any
// tenant is known); registering and removing are audited in the tenant's log.
import { decodeJwt, type JWTPayload } from 'jose';
import { appendAuditEvent } from '../audit/index.js';
import { isTenantryError, systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool } from '../postgres/index.js';
import { createJwtVerifier, resolveErrors, type JwtVerifier, type TenantStrategy } from '../resolve/index.js';
import { inTransaction, type ControlScope } from './connections.js';
import { identityErrors } from './errors.js';

export interface TenantIssuer { readonly issuer: string; readonly audience: string; readonly jwksUrl: string; readonly createdAt: Date }

export interface TenantIssuers {
  /** @example await issuers.register(scope, { issuer: 'https://acme.okta.com', audience: 'tenantry', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys' }, 'user:alice'); */
  register(scope: ControlScope, input: Omit<TenantIssuer, 'createdAt'>, actor: string): Promise<TenantIssuer>;
  list(scope: ControlScope): Promise<TenantIssuer[]>;
  remove(scope: ControlScope, issuer: string, audience: string, actor: string): Promise<void>;
  /**
   * The tenant and verified claims of a token of a registered issuer; undefined when its
   * (iss, aud) is not registered (another verifier may know it); TOKEN_INVALID when it is but
   * the token does not verify.
   */
  verify(token: string): Promise<{ tenantId: TenantId; claims: JWTPayload } | undefined>;
}

export interface TenantIssuersOptions {
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** Accept http:// JWKS URLs (a key server on loopback in tests). Default false. */
  readonly allowInsecureUrls?: boolean;
  /** How long an issuer's keys are reused. Default 10 minutes. */
  readonly jwksCacheMs?: number;
  /** How long a JWKS fetch may take. Default 5 s. */
  readonly fetchTimeoutMs?: number;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const invalid = (field: string, reason: string) => identityErrors.create('TOKEN_ISSUER_INVALID', { details: { field, reason } });

function checked(value: unknown, field: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) throw invalid(field, `must be 1–${max} characters`);
  return value.trim();
}

/**
 * @example const issuers = createTenantIssuers({ operator, clock });
 */
export function createTenantIssuers(options: TenantIssuersOptions): TenantIssuers {
  const { operator } = options;
  const clock = options.clock ?? systemClock;
  const verifiers = new Map<string, { jwksUrl: string; verifier: JwtVerifier }>();
  const query = <T>(text: string, values: unknown[]) => operator.query<T>(text, values).catch((err: unknown) => { throw toTenantryError(err); });

  function jwksUrl(value: unknown): string {
    const raw = checked(value, 'jwksUrl', 2048);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw invalid('jwksUrl', 'must be an absolute URL');
    }
    if (parsed.protocol !== 'https:' && !(options.allowInsecureUrls === true && parsed.protocol === 'http:')) throw invalid('jwksUrl', 'must be an https:// URL');
    return raw;
  }

  function verifierFor(issuer: string, audience: string, url: string): JwtVerifier {
    const key = `${issuer}\n${audience}`;
    const cached = verifiers.get(key);
    if (cached?.jwksUrl === url) return cached.verifier;
    const timeoutMs = options.fetchTimeoutMs ?? 5000;
    const verifier = createJwtVerifier({
      algorithms: [...ASYMMETRIC], issuer, audience, clock, jwksCacheMs: options.jwksCacheMs ?? 600_000,
      // Fetched here, not by jose's remote set: its cooldown runs on the wall clock.
      jwks: async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
        if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
        return await res.json() as { keys: [] };
      },
    });
    verifiers.set(key, { jwksUrl: url, verifier });
    return verifier;
  }

  return Object.freeze<TenantIssuers>({
    async register(scope, input, actor) {
      const issuer = checked(input.issuer, 'issuer', 2048);
      const audience = checked(input.audience, 'audience', 512);
      const url = jwksUrl(input.jwksUrl);
      const now = clock.now();
      await inTransaction(scope, async (tx) => {
        await appendAuditEvent(tx, { actor, action: 'token_issuer.register', target: `token_issuer:${issuer}`, details: { issuer, audience, jwksUrl: url } }, { clock });
        try {
          await query('INSERT INTO tenantry.tenant_token_issuers (issuer, audience, owner_tenant, jwks_url, created_at) VALUES ($1, $2, $3, $4, $5)', [issuer, audience, tx.tenantId, url, now]);
        } catch (err) {
          if (isTenantryError(err, 'UNIQUE_VIOLATION')) throw identityErrors.create('TOKEN_ISSUER_TAKEN');
          throw err;
        }
      });
      return { issuer, audience, jwksUrl: url, createdAt: now };
    },
    async list(scope) {
      const { rows } = await query<{ issuer: string; audience: string; jwks_url: string; created_at: Date }>(
        'SELECT issuer, audience, jwks_url, created_at FROM tenantry.tenant_token_issuers WHERE owner_tenant = $1 ORDER BY issuer, audience', [scope.tenantId]);
      return rows.map((r) => ({ issuer: r.issuer, audience: r.audience, jwksUrl: r.jwks_url, createdAt: r.created_at }));
    },
    async remove(scope, issuer, audience, actor) {
      await inTransaction(scope, async (tx) => {
        const { rows } = await query('DELETE FROM tenantry.tenant_token_issuers WHERE owner_tenant = $1 AND issuer = $2 AND audience = $3 RETURNING 1', [tx.tenantId, issuer, audience]);
        if (rows.length === 0) throw identityErrors.create('TOKEN_ISSUER_NOT_FOUND');
        await appendAuditEvent(tx, { actor, action: 'token_issuer.remove', target: `token_issuer:${issuer}`, details: { issuer, audience } }, { clock });
      });
      verifiers.delete(`${issuer}\n${audience}`);
    },
    async verify(token) {
      let iss: unknown;
      let aud: unknown;
      try {
        ({ iss, aud } = decodeJwt(token));
      } catch (cause) {
        throw resolveErrors.create('TOKEN_INVALID', { cause });
      }
      // Read unverified only to find the registered pair; the chosen verifier checks them again.
      const audiences = (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string');
      if (typeof iss !== 'string' || audiences.length === 0) return undefined;
      const { rows } = await query<{ owner_tenant: TenantId; audience: string; jwks_url: string }>(
        'SELECT owner_tenant, audience, jwks_url FROM tenantry.tenant_token_issuers WHERE issuer = $1 AND audience = ANY($2::text[]) ORDER BY audience LIMIT 1', [iss, audiences]);
      const found = rows[0];
      if (found === undefined) return undefined;
      const claims = await verifierFor(iss, found.audience, found.jwks_url).verify(token);
      return { tenantId: found.owner_tenant, claims };
    },
  });
}

/**
 * The `jwt` strategy with tenants' own issuers first: a bearer token of a registered (iss, aud)
 * resolves to the registering tenant (its claims are the credentials, as the JWT strategy's);
 * any other token goes to `fallback` (the configured issuer's strategy), or matches nothing.
 *
 * @example createTenantResolver({ strategies: [tenantIssuerStrategy(issuers, jwtClaimStrategy({ verifier }))], tenants });
 */
export function tenantIssuerStrategy(issuers: Pick<TenantIssuers, 'verify'>, fallback?: TenantStrategy): TenantStrategy {
  return {
    name: fallback?.name ?? 'jwt',
    async match(request) {
      const token = /^bearer\s+(\S+)\s*$/i.exec(request.header('authorization') ?? '')?.[1];
      if (token === undefined) return fallback?.match(request);
      const found = await issuers.verify(token);
      if (found === undefined) return fallback?.match(request);
      return { reference: { by: 'id', id: found.tenantId }, weight: 'authoritative', credentials: { ...found.claims } };
    },
  };
}
