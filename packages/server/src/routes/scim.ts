// SCIM 2.0 (RFC 7644) for identity providers that push membership (docs/scim.md): /scim/v2/Users
// and /scim/v2/Groups of the one connection whose bearer token the request carries. The token
// names the tenant and the connection; every push runs in one tenant transaction, as the app
// role under row-level security. Errors are SCIM's own error document (RFC 7644 §3.12), which
// SCIM clients parse, with Tenantry's stable `code` beside `scimType`.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TenantId } from 'tenantry';
import { identityErrors, SCIM_LIST_SCHEMA, type ScimList, type SsoConnection } from 'tenantry/identity';
import { toProblem } from 'tenantry/http';
import type { TenantDatabase, TenantTransaction } from 'tenantry/postgres';
import type { IdentityApi } from '../http/api-dependencies.js';
import { logProblem } from '../http/problem-handlers.js';
import { strictObject } from './schemas.js';

const tags = ['scim'];
const security = [{ scimToken: [] }];
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const CONTENT_TYPE = 'application/scim+json';
const BEARER = /^bearer\s+(\S+)\s*$/i;

const Resource = Type.Record(Type.String(), Type.Unknown(), { description: 'A SCIM resource (RFC 7643 User or Group).' });
const ListBody = Type.Record(Type.String(), Type.Unknown(), { description: 'A SCIM ListResponse: totalResults, startIndex, itemsPerPage, Resources.' });
const Body = Type.Record(Type.String(), Type.Unknown(), { description: 'A SCIM resource, or a PatchOp for PATCH.' });
const ResourceParams = strictObject({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = strictObject({
  filter: Type.Optional(Type.String({ maxLength: 1024, description: 'RFC 7644 §3.4.2.2, e.g. `userName eq "bjensen"`.' })),
  startIndex: Type.Optional(Type.Integer({ description: '1-based.' })),
  count: Type.Optional(Type.Integer({ minimum: 0, description: 'At most 200 per page.' })),
  // Sent by common providers; every attribute is returned regardless.
  attributes: Type.Optional(Type.String({ maxLength: 1024 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 1024 })),
});

interface Pusher { readonly tenantId: TenantId; readonly connectionId: string }

function sendScimError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const problem = toProblem(err, { requestId: request.id });
  logProblem(problem, request);
  const details = (problem.body.details ?? {}) as { scimType?: unknown };
  const scimType = typeof details.scimType === 'string' ? details.scimType : problem.body.code === 'SCIM_FILTER_INVALID' ? 'invalidFilter' : undefined;
  // A Buffer, so Fastify adds no charset of its own (as the problem+json answers).
  return reply.code(problem.status).type(CONTENT_TYPE).send(Buffer.from(JSON.stringify({
    schemas: [SCIM_ERROR_SCHEMA], status: String(problem.status), ...(scimType === undefined ? {} : { scimType }),
    detail: problem.body.detail ?? problem.body.title, code: problem.body.code, ...(problem.body.details === undefined ? {} : { details: problem.body.details }),
  })));
}

const listBody = (list: ScimList) => ({ schemas: [SCIM_LIST_SCHEMA], ...list });

/** @example registerScimRoutes(app, { db, identity }); */
export function registerScimRoutes(app: FastifyInstance, deps: { readonly db: TenantDatabase; readonly identity: IdentityApi }): void {
  const { db, identity } = deps;
  const pushers = new WeakMap<FastifyRequest, Pusher>();

  void app.register(async (scim) => {
    scim.addContentTypeParser(CONTENT_TYPE, { parseAs: 'string' }, scim.getDefaultJsonParser('error', 'error'));
    scim.setErrorHandler((err, request, reply) => sendScimError(request, reply, err));
    scim.addHook('onRequest', async (request) => {
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined) throw identityErrors.create('SCIM_TOKEN_INVALID');
      pushers.set(request, await identity.scimTokens.verify(token));
    });
    scim.addHook('onSend', async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) void reply.type(CONTENT_TYPE);
      return payload;
    });

    /** Runs `work` in the pusher's tenant, with its connection (refused while disabled). */
    const inConnection = <T>(request: FastifyRequest, work: (tx: TenantTransaction, connection: SsoConnection) => Promise<T>): Promise<T> => {
      const pusher = pushers.get(request);
      if (pusher === undefined) throw identityErrors.create('SCIM_TOKEN_INVALID');
      return db.transaction(pusher.tenantId, async (tx) => {
        const connection = await identity.connections.get(tx, pusher.connectionId);
        if (!connection.enabled) throw identityErrors.create('SSO_CONNECTION_DISABLED');
        return work(tx, connection);
      });
    };
    type ById = { Params: Static<typeof ResourceParams> };
    type List = { Querystring: Static<typeof ListQuery> };
    const { scim: directory } = identity;

    scim.get('/ServiceProviderConfig', {
      schema: { tags, security, summary: 'What this SCIM endpoint supports (RFC 7643 §5)', operationId: 'getScimServiceProviderConfig', response: { 200: Resource } },
    }, async () => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true }, bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 }, filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false }, sort: { supported: false }, etag: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: 'The connection\'s SCIM token (tnt_scim_…).' }],
    }));
    scim.get<List>('/Users', {
      schema: { tags, security, summary: 'List or filter the connection\'s users', operationId: 'listScimUsers', querystring: ListQuery, response: { 200: ListBody } },
    }, async (request) => listBody(await inConnection(request, (tx, c) => directory.listUsers(tx, c, request.query))));
    scim.post('/Users', {
      schema: { tags, security, summary: 'Provision a user (a member when a role rule admits them)', operationId: 'createScimUser', body: Body, response: { 201: Resource } },
    }, async (request, reply) => reply.code(201).send(await inConnection(request, (tx, c) => directory.createUser(tx, c, request.body))));
    scim.get<ById>('/Users/:id', {
      schema: { tags, security, summary: 'Get a user', operationId: 'getScimUser', params: ResourceParams, response: { 200: Resource } },
    }, async (request) => inConnection(request, (tx, c) => directory.getUser(tx, c, request.params.id)));
    scim.put<ById>('/Users/:id', {
      schema: { tags, security, summary: 'Replace a user (active: false removes the membership)', operationId: 'replaceScimUser', params: ResourceParams, body: Body, response: { 200: Resource } },
    }, async (request) => inConnection(request, (tx, c) => directory.replaceUser(tx, c, request.params.id, request.body)));
    scim.patch<ById>('/Users/:id', {
      schema: { tags, security, summary: 'Change a user with a PatchOp (active: false removes the membership)', operationId: 'patchScimUser', params: ResourceParams, body: Body, response: { 200: Resource } },
    }, async (request) => inConnection(request, (tx, c) => directory.patchUser(tx, c, request.params.id, request.body)));
    scim.delete<ById>('/Users/:id', {
      schema: { tags, security, summary: 'Deprovision a user: the membership is removed, their tokens and keys stop at once', operationId: 'deleteScimUser', params: ResourceParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      await inConnection(request, (tx, c) => directory.deleteUser(tx, c, request.params.id));
      return reply.code(204).send();
    });
    scim.get<List>('/Groups', {
      schema: { tags, security, summary: 'List or filter the connection\'s groups', operationId: 'listScimGroups', querystring: ListQuery, response: { 200: ListBody } },
    }, async (request) => listBody(await inConnection(request, (tx, c) => directory.listGroups(tx, c, request.query))));
    scim.post('/Groups', {
      schema: { tags, security, summary: 'Create a group (its name is what role rules on `groups` match)', operationId: 'createScimGroup', body: Body, response: { 201: Resource } },
    }, async (request, reply) => reply.code(201).send(await inConnection(request, (tx, c) => directory.createGroup(tx, c, request.body))));
    scim.get<ById>('/Groups/:id', {
      schema: { tags, security, summary: 'Get a group with its members', operationId: 'getScimGroup', params: ResourceParams, response: { 200: Resource } },
    }, async (request) => inConnection(request, (tx, c) => directory.getGroup(tx, c, request.params.id)));
    scim.patch<ById>('/Groups/:id', {
      schema: { tags, security, summary: 'Rename a group or add and remove members with a PatchOp', operationId: 'patchScimGroup', params: ResourceParams, body: Body, response: { 200: Resource } },
    }, async (request) => inConnection(request, (tx, c) => directory.patchGroup(tx, c, request.params.id, request.body)));
    scim.delete<ById>('/Groups/:id', {
      schema: { tags, security, summary: 'Delete a group (its members\' roles are recomputed)', operationId: 'deleteScimGroup', params: ResourceParams, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      await inConnection(request, (tx, c) => directory.deleteGroup(tx, c, request.params.id));
      return reply.code(204).send();
    });
  }, { prefix: '/scim/v2' });
}
