// The single sign-on services the server runs (tenantry/identity), wired once for main.ts and the
// test harness: rotating token signing keys, the issuer of Tenantry tokens and its verifier,
// connections whose secrets are encrypted under each tenant's key, domain capture, sign-in.
import type { Clock } from 'tenantry';
import type { DnsOptions, Members } from 'tenantry/control';
import { createTenantEncryption, type KeyProvider } from 'tenantry/crypto';
import {
  createLdapSignIn, createTenantIssuers, createSamlSignIn, createScimDirectory, createScimTokens, createSsoConnections, createSsoEmailDomains, createSsoSignIn, createTokenIssuer, createTokenSigningKeys, type TokenIssuer,
} from 'tenantry/identity';
import type { SqlPool, TenantDatabase } from 'tenantry/postgres';
import type { JwtVerifier } from 'tenantry/resolve';
import type { IdentityApi } from './api-dependencies.js';

export interface IdentityServicesOptions {
  readonly db: TenantDatabase;
  readonly operator: SqlPool;
  readonly members: Members;
  /** Wraps the token signing keys and the tenants' data keys that encrypt client secrets. */
  readonly keyProvider: KeyProvider;
  /** The server's public URL: the `iss` of its tokens and the base of the callback. */
  readonly publicUrl: string;
  /** The `aud` of its tokens. */
  readonly audience: string;
  readonly clock: Clock;
  readonly dns?: DnsOptions;
  /** Providers on http:// (tests on loopback). */
  readonly allowInsecureProviders?: boolean;
}

export interface IdentityServices {
  readonly api: IdentityApi;
  readonly tokens: TokenIssuer;
  /** Verifies the tokens this server issues: give it to the resolver beside the configured issuer's. */
  readonly verifier: JwtVerifier;
}

/** @example const identity = await identityServices({ db, operator, members: control.members, keyProvider, publicUrl, audience, clock }); */
export async function identityServices(options: IdentityServicesOptions): Promise<IdentityServices> {
  const { db, operator, clock } = options;
  const signingKeys = createTokenSigningKeys({ operator, keyProvider: options.keyProvider, clock });
  // A first key before the first request; rotation is then checked at each start.
  await signingKeys.ensureFresh();
  const tokens = createTokenIssuer({ signingKeys, issuer: options.publicUrl, audience: options.audience, clock });
  const encryption = createTenantEncryption({ keyProvider: options.keyProvider, clock });
  const allowInsecure = options.allowInsecureProviders === true;
  const connections = createSsoConnections({ encryption, clock, allowInsecureUrls: allowInsecure, operator });
  const emailDomains = createSsoEmailDomains({ operator, connections, clock, ...(options.dns ? { dns: options.dns } : {}) });
  const signIn = createSsoSignIn({ db, operator, connections, members: options.members, tokens, emailDomains, clock, allowInsecureRequests: allowInsecure });
  const saml = createSamlSignIn({ db, operator, connections, signIn, clock });
  const ldap = createLdapSignIn({ db, connections, signIn });
  const tenantIssuers = createTenantIssuers({ operator, clock, allowInsecureUrls: allowInsecure });
  const scimTokens = createScimTokens({ operator, connections, clock });
  const scim = createScimDirectory({ members: options.members, clock });
  return { api: { signingKeys, connections, emailDomains, signIn, saml, ldap, tenantIssuers, scimTokens, scim, publicUrl: options.publicUrl }, tokens, verifier: tokens.verifier() };
}
