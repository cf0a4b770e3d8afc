// API-key strategy: a tenant API key in a header (default `X-Api-Key`, or `Authorization: ApiKey …`).
import type { TenantId } from '../../core/index.js';
import { resolveErrors } from '../errors.js';
import type { TenantStrategy } from '../strategy.js';

/** Verifies a presented key in constant time; undefined when unknown, revoked or expired. */
export type ApiKeyVerifier = (key: string) => Promise<{ tenantId: TenantId; keyId: string; scopes: readonly string[] } | undefined>;

/**
 * @example apiKeyStrategy({ verify: (key) => apiKeys.verify(key) })
 */
export function apiKeyStrategy(options: { verify: ApiKeyVerifier; header?: string }): TenantStrategy {
  const header = (options.header ?? 'x-api-key').toLowerCase();
  return {
    name: 'apiKey',
    async match(request) {
      const authorization = request.header('authorization');
      const key = request.header(header) ?? (authorization?.startsWith('ApiKey ') ? authorization.slice(7) : undefined);
      if (key === undefined || key === '') return undefined;
      const verified = await options.verify(key.trim());
      if (!verified) throw resolveErrors.create('API_KEY_INVALID');
      return { reference: { by: 'id', id: verified.tenantId }, weight: 'authoritative', credentials: { keyId: verified.keyId, scopes: verified.scopes } };
    },
  };
}
