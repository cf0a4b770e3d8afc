// Tenant routes for the tenant's allowed origins (CORS): the browser origins its front ends
// call the application from. Stored normalized (scheme, host, port), compared exactly. Data for
// the application's own CORS checks: this API applies no CORS (docs/api.md).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { strictObject, TENANT_SECURITY } from './schemas.js';

const Origin = Type.String({ minLength: 1, maxLength: 300, description: 'scheme://host[:port], e.g. https://app.acme.example' });
const OriginBody = strictObject({ origin: Origin });

const tags = ['origins'];
const security = TENANT_SECURITY;

/**
 * @example registerOriginRoutes(tenantScope, deps); // GET /v1/tenant/origins …
 */
export function registerOriginRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);
  app.get('/origins', {
    config: { access: 'settings:read' },
    schema: { tags, security, summary: 'List the tenant\'s allowed origins', description: 'Data for the application\'s own CORS checks (isOriginAllowed); this API applies no CORS itself.', operationId: 'listOrigins', response: { 200: strictObject({ items: Type.Array(Type.String()) }) } },
  }, async () => ({ items: await inTenant((scope) => control.origins.list(scope)) }));
  app.post<{ Body: Static<typeof OriginBody> }>('/origins', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Allow an origin (answers it normalized)', operationId: 'addOrigin', body: OriginBody, response: { 201: OriginBody } },
  }, async (request, reply) => reply.code(201).send({ origin: await inTenant((scope) => control.origins.add(scope, request.body.origin, actorOf(request))) }));
  // A body, not a path segment: an origin is full of characters a path would need escaped.
  app.post<{ Body: Static<typeof OriginBody> }>('/origins/remove', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Stop allowing an origin', operationId: 'removeOrigin', body: OriginBody, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => control.origins.remove(scope, request.body.origin, actorOf(request)));
    return reply.code(204).send();
  });
}
