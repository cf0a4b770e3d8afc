// The short-lived tokens Tenantry issues after a sign-in: a JWT naming the tenant, the member
// and their role (and, for an operator acting inside a tenant, `act`), signed with the current
// signing key. The resolver verifies them with the published keys, like any issuer's.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import { createJwtVerifier, type JwtVerifier } from '../resolve/index.js';
import type { TokenSigningKeys } from './signing-keys.js';

export interface TokenIssuerOptions {
  readonly signingKeys: TokenSigningKeys;
  /** The `iss` of every token: the server's public URL, e.g. `https://tenantry.example.com`. */
  readonly issuer: string;
  /** The `aud`: what the application's resolver expects. */
  readonly audience: string;
  /** Lifetime of a token. Default 10 minutes; at most one hour (short-lived by design). */
  readonly ttlSec?: number;
  readonly clock?: Clock;
}

export interface IssueTokenInput {
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly role: string;
  readonly email?: string;
  /** RFC 8693 actor: who really acts when an operator acts as this user (`{ sub: 'operator:<id>' }`). */
  readonly act?: { readonly sub: string };
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface TokenIssuer {
  /** @example const { token } = await issuer.issue({ tenantId, userId: member.userId, role: member.role }); */
  issue(input: IssueTokenInput): Promise<IssuedToken>;
  /** A verifier of this issuer's tokens (the published keys, read as they rotate). */
  verifier(options?: { readonly clockToleranceSec?: number }): JwtVerifier;
}

/**
 * @example
 * const issuer = createTokenIssuer({ signingKeys, issuer: 'https://tenantry.example.com', audience: 'app' });
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const clock = options.clock ?? systemClock;
  const ttlSec = options.ttlSec ?? 600;
  if (!Number.isInteger(ttlSec) || ttlSec < 30 || ttlSec > 3600) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'ttlSec', reason: 'an integer from 30 to 3600' } });
  const { signingKeys, issuer, audience } = options;

  return Object.freeze<TokenIssuer>({
    async issue(input: IssueTokenInput) {
      const { kid, privateKey } = await signingKeys.current();
      const nowSec = Math.floor(clock.now().getTime() / 1000);
      const claims: Record<string, unknown> = { tenant_id: input.tenantId, role: input.role };
      if (input.email !== undefined) Object.assign(claims, { email: input.email, email_verified: true });
      if (input.act !== undefined) claims.act = { sub: input.act.sub };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(input.userId)
        .setIssuedAt(nowSec)
        .setExpirationTime(nowSec + ttlSec)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresAt: new Date((nowSec + ttlSec) * 1000) };
    },
    verifier(verifierOptions: { readonly clockToleranceSec?: number } = {}) {
      return createJwtVerifier({
        algorithms: ['ES256'],
        issuer,
        audience,
        clock,
        jwks: () => signingKeys.published(),
        ...(verifierOptions.clockToleranceSec === undefined ? {} : { clockToleranceSec: verifierOptions.clockToleranceSec }),
      });
    },
  });
}
