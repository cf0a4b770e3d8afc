// Tenant routes for API keys: create (the key is in the response this once), list, get, revoke.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, IdParams, Permission, strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const STATUSES = ['active', 'expired', 'revoked'] as const;
export const ApiKeyBody = strictObject({
  id: Uuid, name: Type.String(), prefix: Type.String(), scopes: Type.Array(Permission),
  effectiveScopes: Type.Array(Permission, { description: 'What the key may do now: its scopes within its creator\'s current permissions (empty unless active).' }),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))), createdBy: Type.String(), createdAt: DateTime,
  expiresAt: Type.Optional(DateTime), lastUsedAt: Type.Optional(DateTime), revokedAt: Type.Optional(DateTime),
});
const CreateApiKey = strictObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Array(Permission, { minItems: 1, maxItems: 64, uniqueItems: true }),
  expiresAt: Type.Optional(DateTime),
});
const Created = strictObject({ apiKey: ApiKeyBody, key: Type.String({ description: 'Shown this once; only its hash is stored.' }) });

const tags = ['api-keys'];
const security = TENANT_SECURITY;
type ById = { Params: Static<typeof IdParams> };

/**
 * @example registerApiKeyRoutes(tenantScope, deps); // POST /v1/tenant/api-keys …
 */
export function registerApiKeyRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);

  app.post<{ Body: Static<typeof CreateApiKey> }>('/api-keys', {
    config: { access: 'apikeys:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Create an API key with scopes the caller holds', operationId: 'createApiKey', body: CreateApiKey, response: { 201: Created } },
  }, async (request, reply) => {
    const { expiresAt, ...rest } = request.body;
    const input = { ...rest, ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }) };
    return reply.code(201).send(await inTenant((scope) => control.apiKeys.create(scope, input, actorOf(request))));
  });
  app.get('/api-keys', {
    config: { access: 'apikeys:read' },
    schema: { tags, security, summary: 'List API keys, newest first (never their secrets)', operationId: 'listApiKeys', response: { 200: strictObject({ items: Type.Array(ApiKeyBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.apiKeys.list(scope)) }));
  app.get<ById>('/api-keys/:id', {
    config: { access: 'apikeys:read' },
    schema: { tags, security, summary: 'Get an API key', operationId: 'getApiKey', params: IdParams, response: { 200: ApiKeyBody } },
  }, async (request) => inTenant((scope) => control.apiKeys.get(scope, request.params.id)));
  app.post<ById>('/api-keys/:id/revoke', {
    config: { access: 'apikeys:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Revoke an API key at once', operationId: 'revokeApiKey', params: IdParams, response: { 200: ApiKeyBody } },
  }, async (request) => inTenant((scope) => control.apiKeys.revoke(scope, request.params.id, actorOf(request))));
}
