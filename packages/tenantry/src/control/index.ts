// Layer 3, the control plane: the tenant registry and its lifecycle; members, roles and
// permissions; invitations; API keys; allowed origins; signing secrets and request signatures;
// operators and impersonation; custom domains (docs/control-plane.md); settings, feature flags
// and branding, cached per instance and invalidated through the change feed (docs/settings.md).
export { controlErrors } from './errors.js';
export { parseSlug, RESERVED_SLUGS } from './slug.js';
export { allowedEvents, nextStatus, LIFECYCLE_EVENTS } from './tenant-lifecycle.js';
export type { LifecycleEvent } from './tenant-lifecycle.js';
export { createTenantRegistry, TENANTS_TOPIC } from './tenant-registry.js';
export { ACCESS_MAX_AGE_MS, ACCESS_TOPIC } from './access-cache.js';
export type { TenantAccess } from './tenant-access.js';
export type { ChangeAuthor, CreateTenantInput, StatusChangeOptions, GetTenantOptions, ListTenantsOptions, TenantPage, TenantRegistry, TenantRegistryOptions, UpdateTenantInput } from './tenant-registry.js';
export type { PurgeResult } from './tenant-purge.js';
export type { ControlScope } from './control-sql.js';
export {
  BUILT_IN_ROLE_PERMISSIONS, BUILT_IN_ROLES, hasPermission, IMPERSONATION_PERMISSIONS, isBuiltInRole, isPermission, missingPermissions,
  parsePermissions, PERMISSIONS, requireGrantable, systemActor,
} from './permissions.js';
export type { Actor, BuiltInRole, Permission, PermissionHolder } from './permissions.js';
export { createCustomRoles } from './custom-roles.js';
export type { CustomRole, CustomRoleInput, CustomRoles, ResolvedRole } from './custom-roles.js';
export { createMembers } from './tenant-members.js';
export type { Member, Members } from './tenant-members.js';
export { createInvitations, invitationTenantId } from './invitations.js';
export type { Invitation, Invitations, InvitationsOptions, InvitationStatus, IssuedInvitation } from './invitations.js';
export { createApiKeys } from './api-keys.js';
export type { ApiKeyInfo, ApiKeys, ApiKeysOptions, ApiKeyStatus } from './api-keys.js';
export { isOriginAllowed, parseOrigin } from './origin.js';
export { createAllowedOrigins, MAX_ALLOWED_ORIGINS } from './allowed-origins.js';
export type { AllowedOrigins } from './allowed-origins.js';
export { requireValidSignature, signPayload, verifySignature } from './request-signature.js';
export type { SignatureRefusal, SignatureVerdict, VerifySignatureOptions } from './request-signature.js';
export { createSigningSecrets } from './signing-secrets.js';
export type { SigningSecret, SigningSecretInfo, SigningSecrets, SigningSecretsOptions } from './signing-secrets.js';
export { createOperators } from './operators.js';
export type { Operator, Operators, OperatorsOptions, OperatorTokenInfo, VerifiedOperator } from './operators.js';
export { createImpersonation } from './impersonation.js';
export type { AuditEventHook, ControlAuditEvent, Impersonation, ImpersonationOptions, ImpersonationSession } from './impersonation.js';
export { parseDomainName } from './domain-name.js';
export { txtLookup } from './dns-txt.js';
export type { DnsOptions, TxtLookup } from './dns-txt.js';
export { createCustomDomains } from './custom-domains.js';
export type { CustomDomain, CustomDomains, CustomDomainsOptions } from './custom-domains.js';
export { countMembers, quotaSeatCheck } from './seat-check.js';
export type { SeatCheck } from './seat-check.js';
export { alertWebhookBody, createAlertWebhook } from './usage-alert-webhook.js';
export type { AlertWebhookOptions } from './usage-alert-webhook.js';
export { createTenantCache } from './tenant-cache.js';
export type { TenantCache, TenantCacheOptions, TenantCacheStats } from './tenant-cache.js';
export type { CacheOptions } from './tenant-document.js';
export { createTenantSettings } from './tenant-settings.js';
export type { TenantSettings, TenantSettingsOptions } from './tenant-settings.js';
export { createFeatureFlags, flagKey, MAX_FLAG_OVERRIDES } from './feature-flags.js';
export type { FeatureFlags, FeatureFlagsOptions, FlagDefinition, FlagSource, FlagState, TenantFlags } from './feature-flags.js';
export { rolloutBucket, ROLLOUT_BUCKETS } from './flag-rollout.js';
export { createTenantBranding, MAX_LOGO_URL_LENGTH, parseBranding, parseColor, parseLogoUrl } from './tenant-branding.js';
export type { Branding, BrandingInput, TenantBranding, TenantBrandingOptions } from './tenant-branding.js';
export { createControlPlane } from './control-plane.js';
export type { ControlPlane, ControlPlaneOptions } from './control-plane.js';
export { planRebalance, runRebalance } from './rebalance.js';
export type { PlacedTenantLoad, PlacementTargetLoad, ProposedMove, RebalanceOptions, RebalancePlan, RebalanceProgress, TenantMover } from './rebalance.js';
export { measurePlacement } from './rebalance-load.js';
export type { MeasuredPlacement, PlacementTargetHealth, PlacementTargetSource } from './rebalance-load.js';
