// Sign-in through a tenant's connection, ending in a Tenantry-issued token. OIDC: the
// authorization code flow with PKCE, `state` and `nonce` (openid-client), the ID token validated
// (signature, issuer, audience, expiry, nonce) before anything is believed. A sign-in in progress
// is a single-use row found by the hash of its state, so a response is accepted once, only within
// minutes, and only for the tenant and connection that started it.
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { Members } from '../control/index.js';
import { toTenantryError, type SqlPool, type TenantDatabase } from '../postgres/index.js';
import type { SsoConnection, SsoConnections } from './connections.js';
import type { EmailDomainOwners } from './email-domains.js';
import { identityErrors } from './errors.js';
import { provisionMember, type ExternalIdentity } from './provisioning.js';
import type { IssuedToken, TokenIssuer } from './token-issuer.js';

export interface SsoSignInOptions {
  readonly db: TenantDatabase;
  /** The operator-role pool: sign-ins in progress are found before any tenant is known. */
  readonly operator: SqlPool;
  readonly connections: SsoConnections;
  /** The members service (with the plan's seat check, when there is one). */
  readonly members: Members;
  readonly tokens: TokenIssuer;
  /** Which tenant verified an email domain (domain capture); absent: no domain is captured. */
  readonly emailDomains?: EmailDomainOwners;
  readonly clock?: Clock;
  /** How long a started sign-in may take. Default 10 minutes. */
  readonly attemptTtlMs?: number;
  /** Talk to providers over http:// (a provider on loopback in tests). Default false. */
  readonly allowInsecureRequests?: boolean;
}

export interface SignedIn extends IssuedToken {
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly role: string;
  /** Whether this sign-in made the user a member. */
  readonly created: boolean;
}

export interface SsoSignIn {
  /**
   * Starts an OIDC sign-in: the URL to send the browser to.
   *
   * @example const { url } = await signIn.begin(tenantId, connectionId);
   */
  begin(tenantId: TenantId, connectionId: string): Promise<{ url: URL }>;
  /**
   * Finishes it with the URL the provider redirected back to. Refusals: SSO_STATE_MISMATCH,
   * SSO_NONCE_MISMATCH, SSO_AUDIENCE_MISMATCH, SSO_TOKEN_EXPIRED, SSO_TOKEN_INVALID,
   * SSO_DOMAIN_MISMATCH, SSO_NO_ROLE, SSO_PROVIDER_UNAVAILABLE.
   */
  complete(callbackUrl: URL): Promise<SignedIn>;
  /**
   * Signs in an identity verified elsewhere (the planned SAML and LDAP sign-ins): the same domain check, just-in-time
   * membership and token as an OIDC sign-in.
   */
  finish(tenantId: TenantId, connection: SsoConnection, identity: ExternalIdentity): Promise<SignedIn>;
}

interface AttemptRow { owner_tenant: TenantId; connection_id: string; nonce: string; code_verifier: string; expires_at: Date }

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** What openid-client's validation failure means, as a stable code. */
export function oidcRefusal(err: unknown): Error {
  const e = err as { code?: string; cause?: unknown; name?: string };
  // openid-client wraps oauth4webapi's error, whose cause names the claim that failed.
  let claim: unknown;
  for (let cause: unknown = e.cause; cause !== null && typeof cause === 'object' && claim === undefined; cause = (cause as { cause?: unknown }).cause) {
    claim = (cause as { claim?: unknown }).claim;
  }
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'nonce') return identityErrors.create('SSO_NONCE_MISMATCH', { cause: err });
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && (claim === 'aud' || claim === 'azp')) return identityErrors.create('SSO_AUDIENCE_MISMATCH', { cause: err });
  if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' && (claim === 'exp' || claim === 'iat')) return identityErrors.create('SSO_TOKEN_EXPIRED', { cause: err });
  if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON' || e.name === 'TypeError' || e.code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') {
    return identityErrors.create('SSO_PROVIDER_UNAVAILABLE', { cause: err });
  }
  return identityErrors.create('SSO_TOKEN_INVALID', { cause: err, details: { reason: e.code ?? 'validation failed' } });
}

/**
 * @example
 * const signIn = createSsoSignIn({ db, operator, connections, members: control.members, tokens });
 */
export function createSsoSignIn(options: SsoSignInOptions): SsoSignIn {
  const { db, operator, connections, members, tokens } = options;
  const clock = options.clock ?? systemClock;
  const attemptTtlMs = options.attemptTtlMs ?? 600_000;
  // Discovered provider metadata, by connection and its last change: a changed connection
  // (another issuer, a new secret) is discovered again.
  const discovered = new Map<string, Promise<{ server: oidc.ServerMetadata; secret: string | undefined }>>();
  const insecure = options.allowInsecureRequests === true;

  async function configurationOf(tenantId: TenantId, connection: SsoConnection): Promise<oidc.Configuration> {
    const key = `${connection.id}@${connection.updatedAt.getTime()}`;
    const settings = connection.settings as { issuer: string; clientId: string };
    let found = discovered.get(key);
    if (found === undefined) {
      found = (async () => {
        const secret = await db.withTenant(tenantId, (scope) => connections.secretOf(scope, connection.id));
        try {
          const configuration = await oidc.discovery(new URL(settings.issuer), settings.clientId, undefined, oidc.None(), insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 });
          return { server: configuration.serverMetadata(), secret };
        } catch (cause) {
          throw identityErrors.create('SSO_PROVIDER_UNAVAILABLE', { cause });
        }
      })();
      found.catch(() => discovered.delete(key));
      discovered.set(key, found);
    }
    const { server, secret } = await found;
    // A configuration per use: openid-client reads the wall clock, and the skew (client
    // metadata, fixed when the configuration is made) makes it see the injected clock's time.
    const skew = Math.round((clock.now().getTime() - Date.now()) / 1000);
    const configuration = new oidc.Configuration(server, settings.clientId, { [oidc.clockSkew]: skew }, secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret));
    if (insecure) oidc.allowInsecureRequests(configuration);
    configuration.timeout = 10;
    return configuration;
  }

  async function usableConnection(tenantId: TenantId, connectionId: string, kind: SsoConnection['kind']): Promise<SsoConnection> {
    const connection = await db.withTenant(tenantId, (scope) => connections.get(scope, connectionId));
    if (connection.kind !== kind) throw identityErrors.create('SSO_CONNECTION_NOT_FOUND');
    if (!connection.enabled) throw identityErrors.create('SSO_CONNECTION_DISABLED');
    return connection;
  }

  async function finish(tenantId: TenantId, connection: SsoConnection, identity: ExternalIdentity): Promise<SignedIn> {
    // Domain capture: an address of a domain another tenant verified signs in only there.
    const domain = identity.email?.split('@')[1]?.toLowerCase();
    if (domain !== undefined && options.emailDomains !== undefined) {
      const owner = await options.emailDomains.ownerOf(domain);
      if (owner !== undefined && owner.tenantId !== tenantId) throw identityErrors.create('SSO_DOMAIN_MISMATCH');
    }
    const outcome = await db.transaction(tenantId, (tx) => provisionMember(tx, connection, identity, { members, clock }));
    if ('refusal' in outcome) throw outcome.refusal;
    const { member, created } = outcome;
    const issued = await tokens.issue({ tenantId, userId: member.userId, role: member.role, ...(identity.email === undefined ? {} : { email: identity.email }) });
    return { ...issued, tenantId, userId: member.userId, role: member.role, created };
  }

  return Object.freeze<SsoSignIn>({
    async begin(tenantId, connectionId) {
      const connection = await usableConnection(tenantId, connectionId, 'oidc');
      const configuration = await configurationOf(tenantId, connection);
      const settings = connection.settings as { redirectUri: string; scopes: string };
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const now = clock.now();
      try {
        // Expired attempts are dropped as new ones start: the table stays the size of the last minutes.
        await operator.query('DELETE FROM tenantry.sso_sign_in_attempts WHERE expires_at < $1', [now]);
        await operator.query(
          `INSERT INTO tenantry.sso_sign_in_attempts (state_hash, owner_tenant, connection_id, nonce, code_verifier, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [sha256(state), tenantId, connection.id, nonce, codeVerifier, now, new Date(now.getTime() + attemptTtlMs)],
        );
      } catch (err) {
        throw toTenantryError(err);
      }
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url };
    },

    async complete(callbackUrl) {
      const state = callbackUrl.searchParams.get('state');
      if (state === null || state.length > 512) throw identityErrors.create('SSO_STATE_MISMATCH');
      let attempt: AttemptRow | undefined;
      try {
        // Taken, not read: a second use of the same state finds nothing.
        ({ rows: [attempt] } = await operator.query<AttemptRow>(
          'DELETE FROM tenantry.sso_sign_in_attempts WHERE state_hash = $1 RETURNING owner_tenant, connection_id, nonce, code_verifier, expires_at',
          [sha256(state)],
        ));
      } catch (err) {
        throw toTenantryError(err);
      }
      if (attempt === undefined || attempt.expires_at.getTime() <= clock.now().getTime()) throw identityErrors.create('SSO_STATE_MISMATCH');
      const tenantId = attempt.owner_tenant;
      const connection = await usableConnection(tenantId, attempt.connection_id, 'oidc');
      const configuration = await configurationOf(tenantId, connection);
      let claims: oidc.IDToken | undefined;
      try {
        const response = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: attempt.code_verifier,
          expectedState: state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
        claims = response.claims();
      } catch (err) {
        throw oidcRefusal(err);
      }
      if (claims === undefined) throw identityErrors.create('SSO_TOKEN_INVALID', { details: { reason: 'no ID token' } });
      // An address the provider did not verify proves nothing about its domain.
      const email = typeof claims.email === 'string' && claims.email_verified === true ? claims.email.toLowerCase() : undefined;
      return finish(tenantId, connection, { subject: claims.sub, ...(email === undefined ? {} : { email }), claims });
    },

    finish,
  });
}
