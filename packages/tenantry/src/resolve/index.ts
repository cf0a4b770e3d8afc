// Tenant resolution: strategies (subdomain, verified domain, header, JWT claim, path, API key)
// and the resolver that runs them and admits only an active tenant.
export { resolveErrors } from './errors.js';
export { tenantRequest } from './tenant-request.js';
export type { TenantRequest } from './tenant-request.js';
export { parseHost } from './host.js';
export type { StrategyMatch, TenantReference, TenantStrategy } from './strategy.js';
export { createTenantResolver } from './tenant-resolver.js';
export type { ResolvedTenant, TenantLookup, TenantResolver } from './tenant-resolver.js';
export { cachedTenantLookup } from './cached-tenant-lookup.js';
export type { CachedTenantLookup } from './cached-tenant-lookup.js';
export { createJwtVerifier, jwtVerifierByIssuer } from './jwt-verifier.js';
export type { JwtAlgorithm, JwtVerifier, JwtVerifierOptions } from './jwt-verifier.js';
export { headerStrategy } from './strategies/header.js';
export { subdomainStrategy } from './strategies/subdomain.js';
export { pathStrategy } from './strategies/path.js';
export { jwtClaimStrategy } from './strategies/jwt-claim.js';
export { customDomainStrategy } from './strategies/custom-domain.js';
export type { VerifiedDomainLookup } from './strategies/custom-domain.js';
export { apiKeyStrategy } from './strategies/api-key.js';
export type { ApiKeyVerifier } from './strategies/api-key.js';
