// Tenant routes for the tenant's signing secret: the HMAC key of its signed requests and
// outgoing webhooks. Rotating shows the new secret once; the old one keeps verifying for a
// grace period, so senders can switch without a gap.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, strictObject, TENANT_SECURITY } from './schemas.js';

const SecretInfo = {
  id: Type.String(), status: Type.Union([Type.Literal('current'), Type.Literal('retiring')]), createdAt: DateTime, retiresAt: Type.Optional(DateTime),
};
const SecretInfoBody = strictObject(SecretInfo);
const Rotated = strictObject({ ...SecretInfo, secret: Type.String({ description: 'Shown this once.' }) });

const tags = ['signing secrets'];
const security = TENANT_SECURITY;

/**
 * @example registerSigningSecretRoutes(tenantScope, deps); // GET /v1/tenant/signing-secrets …
 */
export function registerSigningSecretRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { db, control } = deps;
  const inTenant = inCurrentTenant(db);
  app.get('/signing-secrets', {
    config: { access: 'secrets:read' },
    schema: { tags, security, summary: 'List the signing secrets in use (never their values)', operationId: 'listSigningSecrets', response: { 200: strictObject({ items: Type.Array(SecretInfoBody) }) } },
  }, async () => ({ items: await inTenant((scope) => control.signingSecrets.list(scope)) }));
  app.post('/signing-secrets/rotate', {
    config: { access: 'secrets:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Make a new signing secret current; the previous one retires after the grace period', operationId: 'rotateSigningSecret', response: { 201: Rotated } },
  }, async (request, reply) => reply.code(201).send(await inTenant((scope) => control.signingSecrets.rotate(scope, {}, actorOf(request)))));
}
