// Layer 3, single sign-on (docs/sso.md): Tenantry's own short-lived tokens and their rotating
// signing keys, each tenant's connections to its identity provider (OIDC; SAML and LDAP planned), just-in-time
// membership with roles mapped from the provider's claims, and domain capture; and hierarchical
// tenants (docs/hierarchy.md): sub-units, node-scoped members, PostgreSQL-enforced subtrees.
export { identityErrors } from './errors.js';
export { createTokenSigningKeys } from './signing-keys.js';
export type { PublicSigningKey, TokenSigningKeys, TokenSigningKeysOptions } from './signing-keys.js';
export { createTokenIssuer } from './token-issuer.js';
export type { IssuedToken, IssueTokenInput, TokenIssuer, TokenIssuerOptions } from './token-issuer.js';
export { createSsoConnections } from './connections.js';
export type { ConnectionKind, OidcSettings, SsoConnection, SsoConnectionInput, SsoConnections, SsoConnectionsOptions } from './connections.js';
export { parseRoleRules, roleFor } from './role-rules.js';
export type { RoleRule } from './role-rules.js';
export { provisionMember } from './provisioning.js';
export type { ExternalIdentity } from './provisioning.js';
export { createSsoEmailDomains } from './email-domains.js';
export type { EmailDomain, EmailDomainOwners, SsoEmailDomains, SsoEmailDomainsOptions } from './email-domains.js';
export { createSsoSignIn } from './sso-sign-in.js';
export type { SignedIn, SsoSignIn, SsoSignInOptions } from './sso-sign-in.js';
export { createTenantNodes } from './tenant-nodes.js';
export type { TenantNode, TenantNodeInput, TenantNodes } from './tenant-nodes.js';
export { enterMemberScope, enterNode, scopeTableToNodes } from './node-scope.js';
export { deprovisionMember } from './provisioning.js';
export { createScimDirectory, SCIM_GROUP_SCHEMA, SCIM_LIST_SCHEMA, SCIM_PATCH_SCHEMA, SCIM_USER_SCHEMA } from './scim-directory.js';
export type { ScimDirectory, ScimList, ScimListQuery, ScimPatchOperation, ScimResource } from './scim-directory.js';
export { matchesScimFilter, parseScimFilter } from './scim-filter.js';
export type { ScimFilter } from './scim-filter.js';
export { createScimTokens } from './scim-tokens.js';
export type { ScimTokens } from './scim-tokens.js';
export { createSamlSignIn } from './saml-sign-in.js';
export type { SamlSignIn, SamlSignInOptions } from './saml-sign-in.js';
export { createLdapSignIn, ldapUserFilter } from './ldap-sign-in.js';
export type { LdapSignIn, LdapSignInOptions } from './ldap-sign-in.js';
export { createTenantIssuers, tenantIssuerStrategy } from './tenant-issuers.js';
export type { TenantIssuer, TenantIssuers, TenantIssuersOptions } from './tenant-issuers.js';
