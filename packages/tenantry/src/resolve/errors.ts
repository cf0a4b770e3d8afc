// Error codes of tenant resolution.
import { defineErrors } from '../core/index.js';

export const resolveErrors = defineErrors('resolve', {
  TENANT_UNRESOLVED: {
    kind: 'invalid',
    message: 'The request does not say which tenant it is for.',
    fix: 'Use the tenant\'s subdomain or verified domain, or send the tenant header, a token with the tenant claim, or an API key.',
  },
  TENANT_AMBIGUOUS: {
    kind: 'invalid',
    message: 'The request names more than one tenant.',
    fix: 'Send one tenant reference, or make them agree (a token\'s tenant claim must match the host or path). `details.sources` lists the strategies that disagreed.',
  },
  GATEWAY_TENANT_MISMATCH: {
    kind: 'forbidden',
    message: 'The forwarded request names a tenant other than the one its credential belongs to.',
    fix: 'Send the credential of the tenant the request is for; a gateway passes the tenant Tenantry answered (X-Tenant-Id), never one the client sent. `details.named` is what the request named.',
  },
  HOST_INVALID: {
    kind: 'invalid',
    message: 'The Host header is not a valid host name.',
    fix: 'Send a plain DNS host name (letters, digits, "-" and "."), optionally with a port.',
  },
  TOKEN_INVALID: {
    kind: 'unauthenticated',
    message: 'The bearer token is invalid, expired or not for this service.',
    fix: 'Obtain a new token from the identity provider; check its issuer, audience, algorithm and expiry.',
  },
  API_KEY_INVALID: {
    kind: 'unauthenticated',
    message: 'The API key is unknown, revoked or expired.',
    fix: 'Create a new API key for the tenant; keys are shown only once.',
  },
});
