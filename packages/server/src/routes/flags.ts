// Tenant routes for feature flags: the tenant's flags with where each answer came from, and the
// tenant's overrides (set one; delete it to go back to the plan, the rollout or the default).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { actorOf } from '../http/principal.js';
import { strictObject, TENANT_SECURITY } from './schemas.js';

const SOURCES = ['override', 'plan', 'rollout', 'default'] as const;
export const FlagBody = strictObject({
  key: Type.String(),
  enabled: Type.Boolean(),
  source: Type.Union(SOURCES.map((s) => Type.Literal(s)), { description: 'What decided: an override of the tenant, its plan, the percentage rollout, or the default.' }),
});
// Checked in the library (400 FLAG_KEY_INVALID), so the route only bounds the length.
const KeyParams = strictObject({ key: Type.String({ minLength: 1, maxLength: 200 }) });
const SetFlag = strictObject({ enabled: Type.Boolean() });

const tags = ['flags'];
const security = TENANT_SECURITY;
type ByKey = { Params: Static<typeof KeyParams> };

/**
 * @example registerFlagRoutes(tenantScope, deps); // GET /v1/tenant/flags, PUT|DELETE /v1/tenant/flags/:key
 */
export function registerFlagRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { flags } = deps.control;

  app.get('/flags', {
    config: { access: 'settings:read' },
    schema: { tags, security, summary: 'The tenant\'s feature flags and what decided each', operationId: 'listFlags', response: { 200: strictObject({ items: Type.Array(FlagBody) }) } },
  }, async () => ({ items: (await flags.load(requireTenant().tenantId)).items }));
  app.put<ByKey & { Body: Static<typeof SetFlag> }>('/flags/:key', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Override a flag for the tenant', operationId: 'setFlag', params: KeyParams, body: SetFlag, response: { 200: FlagBody } },
  }, async (request) => flags.set(requireTenant().tenantId, request.params.key, request.body.enabled, actorOf(request)));
  app.delete<ByKey>('/flags/:key', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Remove the tenant\'s override: the plan, rollout or default decides again', operationId: 'clearFlag', params: KeyParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await flags.clear(requireTenant().tenantId, request.params.key, actorOf(request));
    return reply.code(204).send();
  });
}
