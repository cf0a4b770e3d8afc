// Tenant routes for the tenant's webhook endpoints (docs/webhooks.md): save, list, change,
// delete, send a test event; the delivery log with every attempt, and replay from it. Every
// route reads and writes only the tenant the request resolved to.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { controlErrors, WEBHOOK_EVENT_TYPES, type TenantWebhooks } from 'tenantry/control';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import { DateTime, IdParams, strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const EventType = Type.String({ minLength: 1, maxLength: 100, description: `One of ${WEBHOOK_EVENT_TYPES.join(', ')}; a family such as \`member.*\`; or \`*\`.` });
const Endpoint = strictObject({
  id: Uuid, url: Type.String(), eventTypes: Type.Array(Type.String()), description: Type.Optional(Type.String()),
  enabled: Type.Boolean(), disabledReason: Type.Optional(Type.String()),
  consecutiveFailures: Type.Integer({ description: 'Deliveries failed in a row (after their retries); enough disable the endpoint.' }),
  createdAt: DateTime, updatedAt: DateTime,
});
const CreateEndpoint = strictObject({
  url: Type.String({ minLength: 8, maxLength: 2048, description: 'http(s); loopback, private and link-local targets are refused unless the server allows them.' }),
  eventTypes: Type.Array(EventType, { minItems: 1, maxItems: 50 }),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
});
const Created = strictObject({
  endpoint: Endpoint,
  signingSecret: Type.Optional(Type.String({ description: 'The tenant\'s first signing secret, made with its first endpoint: shown this once (rotate it under /signing-secrets).' })),
});
const UpdateEndpoint = strictObject({
  url: Type.Optional(CreateEndpoint.properties.url),
  eventTypes: Type.Optional(CreateEndpoint.properties.eventTypes),
  description: Type.Optional(CreateEndpoint.properties.description),
  enabled: Type.Optional(Type.Boolean({ description: 'true again clears the failure count.' })),
});
const Delivery = strictObject({
  id: Uuid, endpointId: Uuid, eventId: Type.String({ description: 'The `webhook-id` header: the same on every attempt and replay.' }), eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]), attempts: Type.Integer(),
  replayOf: Type.Optional(Uuid), createdAt: DateTime, finishedAt: Type.Optional(DateTime),
});
const Attempt = strictObject({ attempt: Type.Integer(), at: DateTime, durationMs: Type.Integer(), statusCode: Type.Optional(Type.Integer()), error: Type.Optional(Type.String()) });
const DeliveryWithAttempts = strictObject({ ...Delivery.properties, attemptLog: Type.Array(Attempt) });
const DeliveriesQuery = strictObject({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) });

const tags = ['webhooks'];
const security = TENANT_SECURITY;
type ById = { Params: Static<typeof IdParams> };

/**
 * @example registerWebhookRoutes(tenantScope, deps, deps.jobs.webhooks); // POST /v1/tenant/webhooks …
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: ApiDependencies, webhooks: TenantWebhooks): void {
  const inTenant = inCurrentTenant(deps.db);

  app.post<{ Body: Static<typeof CreateEndpoint> }>('/webhooks', {
    config: { access: 'webhooks:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Add a webhook endpoint subscribed to event types', operationId: 'createWebhookEndpoint', body: CreateEndpoint, response: { 201: Created } },
  }, async (request, reply) => reply.code(201).send(await inTenant((scope) => webhooks.create(scope, request.body, actorOf(request)))));
  app.get('/webhooks', {
    config: { access: 'webhooks:read' },
    schema: { tags, security, summary: 'List the webhook endpoints', operationId: 'listWebhookEndpoints', response: { 200: strictObject({ items: Type.Array(Endpoint) }) } },
  }, async () => ({ items: await inTenant((scope) => webhooks.list(scope)) }));
  app.get<ById>('/webhooks/:id', {
    config: { access: 'webhooks:read' },
    schema: { tags, security, summary: 'Get a webhook endpoint', operationId: 'getWebhookEndpoint', params: IdParams, response: { 200: Endpoint } },
  }, async (request) => inTenant((scope) => webhooks.get(scope, request.params.id)));
  app.patch<ById & { Body: Static<typeof UpdateEndpoint> }>('/webhooks/:id', {
    config: { access: 'webhooks:write', rateClass: 'sensitive' },
    schema: { tags, security, summary: 'Change, disable or enable again a webhook endpoint', operationId: 'updateWebhookEndpoint', params: IdParams, body: UpdateEndpoint, response: { 200: Endpoint } },
  }, async (request) => inTenant((scope) => webhooks.update(scope, request.params.id, request.body, actorOf(request))));
  app.delete<ById>('/webhooks/:id', {
    config: { access: 'webhooks:write' },
    schema: { tags, security, summary: 'Delete a webhook endpoint and its delivery log', operationId: 'deleteWebhookEndpoint', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => webhooks.remove(scope, request.params.id, actorOf(request)));
    return reply.code(204).send();
  });
  app.post<ById>('/webhooks/:id/test', {
    config: { access: 'webhooks:write' },
    schema: { tags, security, summary: 'Send a `webhook.test` event to this endpoint', operationId: 'testWebhookEndpoint', params: IdParams, response: { 202: Delivery } },
  }, async (request, reply) => {
    const endpoint = await inTenant((scope) => webhooks.get(scope, request.params.id));
    const deliveries = await inTenant((scope) => webhooks.emit(scope, 'webhook.test', { endpointId: endpoint.id }));
    const mine = deliveries.find((d) => d.endpointId === endpoint.id);
    // Only endpoints subscribed to webhook.test (or `*`) get one; the others' tests are not sent.
    if (mine === undefined) throw controlErrors.create('WEBHOOK_EVENT_TYPE_INVALID', { details: { known: ['webhook.test', '*'], reason: 'the endpoint is disabled or not subscribed to webhook.test' } });
    return reply.code(202).send(mine);
  });
  app.get<ById & { Querystring: Static<typeof DeliveriesQuery> }>('/webhooks/:id/deliveries', {
    config: { access: 'webhooks:read' },
    schema: { tags, security, summary: 'The endpoint\'s delivery log, newest first', operationId: 'listWebhookDeliveries', params: IdParams, querystring: DeliveriesQuery, response: { 200: strictObject({ items: Type.Array(Delivery) }) } },
  }, async (request) => ({ items: await inTenant((scope) => webhooks.deliveries(scope, { endpointId: request.params.id, ...(request.query.limit === undefined ? {} : { limit: request.query.limit }) })) }));
  app.get<ById>('/webhook-deliveries/:id', {
    config: { access: 'webhooks:read' },
    schema: { tags, security, summary: 'One delivery with every attempt', operationId: 'getWebhookDelivery', params: IdParams, response: { 200: DeliveryWithAttempts } },
  }, async (request) => inTenant((scope) => webhooks.delivery(scope, request.params.id)));
  app.post<ById>('/webhook-deliveries/:id/replay', {
    config: { access: 'webhooks:write' },
    schema: { tags, security, summary: 'Send a logged delivery again (same event id)', operationId: 'replayWebhookDelivery', params: IdParams, response: { 202: Delivery } },
  }, async (request, reply) => reply.code(202).send(await inTenant((scope) => webhooks.replay(scope, request.params.id, actorOf(request)))));
}
