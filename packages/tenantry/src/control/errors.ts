// Error codes of the control plane: the tenant registry and lifecycle, members and roles,
// invitations, API keys, origins, signatures, operators and impersonation, custom domains.
import { defineErrors } from '../core/index.js';

export const controlErrors = defineErrors('control', {
  TENANT_SLUG_INVALID: {
    kind: 'invalid',
    message: 'The slug is not a valid DNS label.',
    fix: 'Use 1–63 characters a–z, 0–9 and "-", starting and ending with a letter or digit.',
  },
  TENANT_SLUG_RESERVED: {
    kind: 'invalid',
    message: 'The slug is reserved.',
    fix: 'Choose another slug; names such as www, admin and api are kept for the platform.',
  },
  TENANT_SLUG_TAKEN: {
    kind: 'conflict',
    message: 'Another tenant already uses this slug.',
    fix: 'Choose another slug.',
  },
  TENANT_FIELD_INVALID: {
    kind: 'invalid',
    message: 'A tenant field is invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  TENANT_INVALID_TRANSITION: {
    kind: 'conflict',
    message: 'The tenant cannot make that lifecycle transition from its current status.',
    fix: 'See `details.from` and `details.allowed` for the transitions possible now.',
  },
  TENANT_VERSION_CONFLICT: {
    kind: 'conflict',
    message: 'The tenant was changed by someone else since it was read.',
    fix: 'Read the tenant again and retry with its current version.',
  },
  CONTROL_FIELD_INVALID: {
    kind: 'invalid',
    message: 'A field of the request is invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  PERMISSION_INVALID: {
    kind: 'invalid',
    message: 'A permission is not one Tenantry knows.',
    fix: 'Use permissions from PERMISSIONS (`members:read`, `apikeys:write`, …); see `details.permission`.',
  },
  PERMISSION_ESCALATION: {
    kind: 'forbidden',
    message: 'The change would grant or touch permissions the actor does not hold.',
    fix: 'Ask a member who holds every permission involved (an owner) to make the change; see `details.missing`.',
  },
  ROLE_NOT_FOUND: {
    kind: 'not_found',
    message: 'The role does not exist.',
    fix: 'Use a built-in role (owner, admin, member, viewer) or the id of one of this tenant\'s custom roles.',
  },
  ROLE_NAME_TAKEN: {
    kind: 'conflict',
    message: 'The tenant already has a role with this name.',
    fix: 'Choose another name, or update the existing role.',
  },
  ROLE_IN_USE: {
    kind: 'conflict',
    message: 'The role is still held by members or offered by open invitations.',
    fix: 'Give those members another role and revoke those invitations first.',
  },
  MEMBER_NOT_FOUND: {
    kind: 'not_found',
    message: 'The member does not exist.',
    fix: 'Check the user id; a user of another tenant is not found either.',
  },
  MEMBER_ALREADY_EXISTS: {
    kind: 'conflict',
    message: 'The user is already a member of the tenant.',
    fix: 'Change the member\'s role instead of adding them again.',
  },
  MEMBER_LAST_OWNER: {
    kind: 'conflict',
    message: 'The last owner of a tenant cannot be removed or demoted.',
    fix: 'Make another member an owner first.',
  },
  INVITATION_NOT_FOUND: {
    kind: 'not_found',
    message: 'The invitation does not exist, or the token does not match it.',
    fix: 'Use the newest link sent for the invitation; a resend makes older links invalid.',
  },
  INVITATION_EXPIRED: {
    kind: 'conflict',
    message: 'The invitation has expired.',
    fix: 'Ask the tenant to resend the invitation.',
  },
  INVITATION_ALREADY_ACCEPTED: {
    kind: 'conflict',
    message: 'The invitation has already been accepted.',
    fix: 'An invitation is used once; ask for a new one if another user must join.',
  },
  INVITATION_REVOKED: {
    kind: 'conflict',
    message: 'The invitation was revoked.',
    fix: 'Ask the tenant for a new invitation.',
  },
  INVITATION_PENDING_EXISTS: {
    kind: 'conflict',
    message: 'An open invitation for this email address already exists.',
    fix: 'Resend or revoke the open invitation instead of creating another.',
  },
  INVITATION_EMAIL_MISMATCH: {
    kind: 'forbidden',
    message: 'The invitation was sent to another email address.',
    fix: 'Sign in with the address the invitation was sent to.',
  },
  INVITATION_GRANT_LAPSED: {
    kind: 'forbidden',
    message: 'Whoever sent the invitation may no longer grant its role (demoted, removed, or their role narrowed or deleted).',
    fix: 'Ask a member who holds the role\'s permissions now to send a new invitation; see `details.missing`.',
  },
  API_KEY_NOT_FOUND: {
    kind: 'not_found',
    message: 'The API key does not exist.',
    fix: 'Check the key id; a key of another tenant is not found either.',
  },
  ORIGIN_INVALID: {
    kind: 'invalid',
    message: 'The origin is not a valid http(s) origin.',
    fix: 'Use scheme, host and optional port only (`https://app.example.com`, `http://localhost:3000`), or `https://*.example.com` for one level of subdomains.',
  },
  ORIGIN_NOT_FOUND: {
    kind: 'not_found',
    message: 'The origin is not in the tenant\'s list.',
    fix: 'List the allowed origins and remove one of those.',
  },
  ORIGIN_LIMIT_REACHED: {
    kind: 'limited',
    message: 'The tenant has as many allowed origins as it may have.',
    fix: 'Remove origins that are no longer used, or use a `https://*.example.com` entry.',
  },
  SIGNING_SECRET_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has no signing secret yet.',
    fix: 'Create one with rotate(); it is shown once.',
  },
  SIGNING_SECRET_UNREADABLE: {
    kind: 'internal',
    message: 'A signing secret is stored encrypted, but no encryption is configured.',
    fix: 'Configure the signing secrets with the same TenantEncryption (key provider) that wrote them.',
  },
  SIGNATURE_INVALID: {
    kind: 'unauthenticated',
    message: 'The request signature is missing, malformed, outside the replay window or does not match.',
    fix: 'Sign `<timestamp>.<raw body>` with HMAC-SHA256 under a current secret and send `t=<unix seconds>,v1=<hex>`; see `details.reason`.',
  },
  OPERATOR_NOT_FOUND: {
    kind: 'not_found',
    message: 'The operator does not exist.',
    fix: 'Check the operator id.',
  },
  OPERATOR_EMAIL_TAKEN: {
    kind: 'conflict',
    message: 'Another operator already uses this email address.',
    fix: 'Use another address, or enable the existing operator.',
  },
  OPERATOR_DISABLED: {
    kind: 'forbidden',
    message: 'The operator is disabled.',
    fix: 'Another operator must enable the account first.',
  },
  OPERATOR_TOKEN_NOT_FOUND: {
    kind: 'not_found',
    message: 'The operator token does not exist.',
    fix: 'Check the token id.',
  },
  IMPERSONATION_REASON_REQUIRED: {
    kind: 'invalid',
    message: 'Acting inside a tenant needs a reason.',
    fix: 'Give a reason of 1–1000 characters (a ticket reference and what you will do); it is recorded.',
  },
  IMPERSONATION_DURATION_INVALID: {
    kind: 'invalid',
    message: 'The impersonation duration is out of range.',
    fix: 'Ask for a whole number of milliseconds from 1 to `details.maxDurationMs`.',
  },
  IMPERSONATION_NOT_FOUND: {
    kind: 'not_found',
    message: 'The impersonation session does not exist.',
    fix: 'Check the session id.',
  },
  DOMAIN_INVALID: {
    kind: 'invalid',
    message: 'The domain is not a valid custom domain.',
    fix: 'Use a fully qualified host name such as `app.acme.com` (no scheme, port, path or wildcard; not a platform domain); see `details.reason`.',
  },
  DOMAIN_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has not added this domain.',
    fix: 'Add the domain first; a domain of another tenant is not found either.',
  },
  DOMAIN_TAKEN: {
    kind: 'conflict',
    message: 'The domain is already verified for another tenant.',
    fix: 'That tenant must remove it first; contact support if you own the domain.',
  },
  DOMAIN_VERIFICATION_FAILED: {
    kind: 'conflict',
    message: 'The DNS TXT record that proves control of the domain was not found.',
    fix: 'Publish a TXT record at `details.recordName` whose value is the domain\'s verification token, wait for DNS to update, and verify again.',
  },
  DOMAIN_DNS_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The DNS resolver did not answer.',
    fix: 'Retry later; if it persists, check the configured DNS servers.',
  },
  PERMISSION_DENIED: {
    kind: 'forbidden',
    message: 'The caller lacks the permission this endpoint needs.',
    fix: 'Use a member whose role holds `details.permission`, or an API key with that scope.',
  },
  SETTINGS_INVALID: {
    kind: 'invalid',
    message: 'A tenant setting is invalid.',
    fix: 'See `details.field` (the setting, `a.b` for a nested one) and `details.reason`; the application\'s settings schema says what each setting accepts.',
  },
  FLAG_KEY_INVALID: {
    kind: 'invalid',
    message: 'The feature flag key is not valid.',
    fix: 'Use 1–64 characters a–z, 0–9, ".", "_" or "-", starting with a letter.',
  },
  FLAG_OVERRIDE_LIMIT_REACHED: {
    kind: 'limited',
    message: 'The tenant has as many feature flag overrides as it may have.',
    fix: 'Delete overrides that are no longer needed; see `details.limit`.',
  },
  BRANDING_INVALID: {
    kind: 'invalid',
    message: 'A branding field is invalid.',
    fix: 'See `details.field` and `details.reason`: colours are `#rrggbb` (or `#rgb`), the logo an https URL of at most 2048 characters, the name 1–200 characters.',
  },
  WEBHOOK_TARGET_FORBIDDEN: {
    kind: 'forbidden',
    message: 'The webhook URL is, or resolves to, a loopback, private, link-local or otherwise non-public address.',
    fix: 'Use a public http(s) URL. A deployment that must reach private receivers (tests, an internal network) sets its webhooks\' `privateTargets: \'allow\'`.',
  },
  WEBHOOK_ENDPOINT_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has no webhook endpoint with this id.',
    fix: 'List the endpoints (GET /v1/tenant/webhooks) for their ids.',
  },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has no webhook delivery with this id.',
    fix: 'List an endpoint\'s deliveries (GET /v1/tenant/webhooks/{id}/deliveries) for their ids.',
  },
  WEBHOOK_EVENT_TYPE_INVALID: {
    kind: 'invalid',
    message: 'A webhook event type is not one Tenantry sends.',
    fix: 'Subscribe to the types listed in `details.known` (exact, or a family such as `member.*`).',
  },
  WEBHOOK_DELIVERY_FAILED: {
    kind: 'unavailable',
    message: 'A webhook delivery attempt failed (the receiver answered other than 2xx, timed out or could not be reached).',
    fix: 'The delivery job retries it with backoff; the attempt log (GET /v1/tenant/webhooks/deliveries/{id}) says why each attempt failed.',
  },
  WEBHOOK_LIMIT_REACHED: {
    kind: 'limited',
    message: 'The tenant has as many webhook endpoints as it may have.',
    fix: 'Delete an endpoint that is no longer used; see `details.limit`.',
  },
});
