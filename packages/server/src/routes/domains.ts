// Tenant routes for custom domains: a tenant adds a domain, publishes the DNS TXT record it is
// given, and asks for verification; only a verified domain resolves to the tenant.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, strictObject, TENANT_SECURITY } from './schemas.js';

const Domain = Type.String({ minLength: 1, maxLength: 253 });
const DomainBody = strictObject({
  domain: Type.String(), status: Type.Union([Type.Literal('pending'), Type.Literal('verified')]),
  recordName: Type.String({ description: 'Publish a TXT record with this name …' }),
  recordValue: Type.String({ description: '… and this value, then ask for verification.' }),
  createdAt: DateTime, verifiedAt: Type.Optional(DateTime), lastCheckedAt: Type.Optional(DateTime),
});
const DomainParams = strictObject({ domain: Domain });

const tags = ['domains'];
const security = TENANT_SECURITY;
type ByDomain = { Params: Static<typeof DomainParams> };

/**
 * @example registerDomainRoutes(tenantScope, deps); // GET /v1/tenant/domains …
 */
export function registerDomainRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);
  app.get('/domains', {
    config: { access: 'domains:read' },
    schema: { tags, security, summary: 'List the tenant\'s custom domains', operationId: 'listDomains', response: { 200: strictObject({ items: Type.Array(DomainBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.domains.list(scope)) }));
  app.post<{ Body: Static<typeof DomainParams> }>('/domains', {
    config: { access: 'domains:write' },
    schema: { tags, security, summary: 'Add a domain; answers the TXT record that proves control of it', operationId: 'addDomain', body: DomainParams, response: { 201: DomainBody } },
  }, async (request, reply) => reply.code(201).send(await inTenant((scope) => control.domains.add(scope, request.body.domain, actorOf(request)))));
  app.get<ByDomain>('/domains/:domain', {
    config: { access: 'domains:read' },
    schema: { tags, security, summary: 'Get a custom domain', operationId: 'getDomain', params: DomainParams, response: { 200: DomainBody } },
  }, async (request) => inTenant((scope) => control.domains.get(scope, request.params.domain)));
  app.post<ByDomain>('/domains/:domain/verify', {
    config: { access: 'domains:write' },
    schema: { tags, security, summary: 'Look up the TXT record now; a match verifies the domain', operationId: 'verifyDomain', params: DomainParams, response: { 200: DomainBody } },
  }, async (request) => inTenant((scope) => control.domains.verify(scope, request.params.domain, actorOf(request))));
  app.delete<ByDomain>('/domains/:domain', {
    config: { access: 'domains:write' },
    schema: { tags, security, summary: 'Remove a custom domain (it stops resolving at once)', operationId: 'removeDomain', params: DomainParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => control.domains.remove(scope, request.params.domain, actorOf(request)));
    return reply.code(204).send();
  });
}
