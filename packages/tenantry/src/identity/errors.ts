// Error codes of single sign-on (tenantry/identity): connections, sign-in refusals, domain
// capture, Tenantry-issued tokens. Each refusal of a sign-in has its own code, so an operator can
// tell a misconfigured connection from an attack from an expired attempt.
import { defineErrors } from '../core/index.js';

export const identityErrors = defineErrors('identity', {
  SSO_CONNECTION_INVALID: {
    kind: 'invalid',
    message: 'The SSO connection settings are invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  SSO_CONNECTION_NOT_FOUND: {
    kind: 'not_found',
    message: 'No such SSO connection in this tenant.',
    fix: 'List the tenant\'s connections and use one of their ids.',
  },
  SSO_CONNECTION_DISABLED: {
    kind: 'forbidden',
    message: 'The SSO connection is disabled.',
    fix: 'A tenant admin enables it again, or the user signs in through another connection.',
  },
  SSO_PROVIDER_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The identity provider could not be reached or answered with an error.',
    fix: 'Check the connection\'s discovery URL and the provider\'s status; retry later.',
  },
  SSO_STATE_MISMATCH: {
    kind: 'unauthenticated',
    message: 'The sign-in response does not belong to a sign-in started here (unknown, used or expired state).',
    fix: 'Start the sign-in again; a response is accepted once, within minutes of its start.',
  },
  SSO_NONCE_MISMATCH: {
    kind: 'unauthenticated',
    message: 'The ID token was not issued for this sign-in (nonce mismatch).',
    fix: 'Start the sign-in again; a replayed or injected ID token is refused.',
  },
  SSO_AUDIENCE_MISMATCH: {
    kind: 'unauthenticated',
    message: 'The identity token was issued for another client or service provider.',
    fix: 'Check the connection\'s client id against the provider\'s configuration.',
  },
  SSO_TOKEN_EXPIRED: {
    kind: 'unauthenticated',
    message: 'The identity token has expired.',
    fix: 'Sign in again; check that the provider\'s and this server\'s clocks agree.',
  },
  SSO_TOKEN_INVALID: {
    kind: 'unauthenticated',
    message: 'The identity provider\'s response failed validation.',
    fix: 'See `details.reason`; the provider\'s signature, issuer or claims did not check out.',
  },
  SSO_ASSERTION_UNSIGNED: {
    kind: 'unauthenticated',
    message: 'The SAML assertion is not signed by the identity provider (or its signature does not verify).',
    fix: 'Configure the identity provider to sign assertions with the certificate in the connection\'s metadata.',
  },
  SSO_ASSERTION_REPLAYED: {
    kind: 'unauthenticated',
    message: 'This SAML assertion was already used.',
    fix: 'Sign in again; an assertion is accepted once.',
  },
  SSO_RECIPIENT_MISMATCH: {
    kind: 'unauthenticated',
    message: 'The SAML response was sent to another service provider endpoint.',
    fix: 'Check the connection\'s acsUrl against the identity provider\'s configuration.',
  },
  SSO_INVALID_CREDENTIALS: {
    kind: 'unauthenticated',
    message: 'The user name or password is not accepted by the directory.',
    fix: 'Check both; the same answer is given for an unknown user, so names cannot be probed.',
  },
  SSO_DOMAIN_MISMATCH: {
    kind: 'forbidden',
    message: 'The user\'s email domain belongs to another tenant\'s sign-in.',
    fix: 'Sign in through the tenant that verified this email domain.',
  },
  SSO_NO_ROLE: {
    kind: 'forbidden',
    message: 'No role rule of the tenant admits this user, so they are not (or no longer) a member.',
    fix: 'An admin adds the user to a group a role rule maps, or sets a default role on the connection.',
  },
  SSO_EMAIL_DOMAIN_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has not claimed this email domain.',
    fix: 'Claim it first; then publish the TXT record and verify.',
  },
  SSO_EMAIL_DOMAIN_TAKEN: {
    kind: 'conflict',
    message: 'Another tenant has already verified this email domain.',
    fix: 'A domain routes sign-ins to one tenant; contact support if you control it.',
  },
  SSO_EMAIL_DOMAIN_UNKNOWN: {
    kind: 'not_found',
    message: 'No tenant has verified this email domain for sign-in.',
    fix: 'Sign in through your tenant\'s sign-in page, or ask its admin to verify the domain.',
  },
  SIGNING_KEY_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'No token signing key is available.',
    fix: 'Rotate the signing keys (`signingKeys.rotate()`); the key provider must hold the master key that wrapped them.',
  },
  NODE_INVALID: {
    kind: 'invalid',
    message: 'The tenant node is invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  NODE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No such node in this tenant, or not in the caller\'s part of it.',
    fix: 'List the nodes you can see and use one of their ids.',
  },
  NODE_IN_USE: {
    kind: 'conflict',
    message: 'The node still has child nodes, members granted at it, or rows of a node-scoped table.',
    fix: 'Remove its children and grants (and move or delete its rows) first.',
  },
  SCIM_TOKEN_INVALID: {
    kind: 'unauthenticated',
    message: 'The SCIM bearer token is unknown or was replaced.',
    fix: 'Use the token the tenant admin made for this connection (`POST /v1/tenant/sso/connections/{id}/scim-token`).',
  },
  SCIM_INVALID: {
    kind: 'invalid',
    message: 'The SCIM request is invalid.',
    fix: 'See `details.field` and `details.reason` (RFC 7643/7644; SCIM clients get `scimType` too).',
  },
  SCIM_FILTER_INVALID: {
    kind: 'invalid',
    message: 'The SCIM filter cannot be parsed or uses what is not supported.',
    fix: 'See `details.reason`; attribute paths with eq ne co sw ew gt ge lt le pr, and, or, not and parentheses are supported, value paths are not.',
  },
  SCIM_RESOURCE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No such SCIM user or group at this connection.',
    fix: 'List the resources (GET /scim/v2/Users or /Groups) and use one of their ids.',
  },
  SCIM_UNIQUENESS: {
    kind: 'conflict',
    message: 'A user with this userName (or a group with this displayName) already exists at this connection.',
    fix: 'Find it with a filter (`userName eq "…"`) and update it instead.',
  },
  TOKEN_ISSUER_INVALID: {
    kind: 'invalid',
    message: 'The token issuer settings are invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  TOKEN_ISSUER_TAKEN: {
    kind: 'conflict',
    message: 'This issuer and audience are already registered (by this or another tenant).',
    fix: 'An issuer\'s tokens for one audience belong to one tenant; use your own audience (client id).',
  },
  TOKEN_ISSUER_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has no such token issuer.',
    fix: 'List the tenant\'s issuers and use one of them.',
  },
});
