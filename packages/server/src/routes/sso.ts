// Single sign-on (docs/sso.md): the keys of Tenantry-issued tokens at /.well-known/jwks.json;
// tenant admins' routes for their identity-provider connections and captured email domains
// (audited); and the public sign-in routes: start at a tenant's connection (or find it from an
// email address), and the provider's callback, which answers a Tenantry token.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TenantId } from 'tenantry';
import type { EmailDomain, SsoConnection, SsoConnectionInput } from 'tenantry/identity';
import type { IdentityApi } from '../http/api-dependencies.js';
import { inCurrentTenant } from '../http/in-tenant.js';
import { actorOf } from '../http/principal.js';
import type { TenantDatabase } from 'tenantry/postgres';
import { DateTime, IdParams, RoleRef, strictObject, TENANT_SECURITY, Uuid } from './schemas.js';

const tags = ['sso'];
const security = TENANT_SECURITY;
/** No credential: the identity provider's answer is the credential. */
const PUBLIC: Record<string, string[]>[] = [];

const RoleRule = strictObject({
  claim: Type.String({ minLength: 1, maxLength: 128, description: 'The ID-token claim (or SAML attribute) to read, e.g. `groups`.' }),
  equals: Type.String({ minLength: 1, maxLength: 512, description: 'Matches when the claim equals this, or is a list containing it.' }),
  role: RoleRef,
});
const Kind = Type.Union([Type.Literal('oidc'), Type.Literal('saml'), Type.Literal('ldap')]);
const Settings = Type.Record(Type.String(), Type.Unknown(), { description: 'oidc: issuer, clientId, redirectUri, scopes. saml: idpMetadata (XML), spEntityId, acsUrl (this server\'s /v1/sso/saml/{tenantId}/{connectionId}/acs). ldap: url, bindDn, userBase, userFilter (with {username}), startTls, groupAttribute, emailAttribute; the secret is the service account\'s password. Unknown settings are refused.' });
const ConnectionBody = strictObject({
  id: Uuid, kind: Kind, name: Type.String(), settings: Settings,
  hasSecret: Type.Boolean({ description: 'Whether a client secret is stored (it is never shown).' }),
  roleRules: Type.Array(RoleRule), defaultRole: Type.Union([RoleRef, Type.Null()]), enabled: Type.Boolean(),
  createdAt: DateTime, updatedAt: DateTime,
});
const CreateConnection = strictObject({
  kind: Kind,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  settings: Settings,
  secret: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'The OIDC client secret; stored encrypted under the tenant\'s key.' })),
  roleRules: Type.Optional(Type.Array(RoleRule, { maxItems: 50 })),
  defaultRole: Type.Optional(Type.Union([RoleRef, Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
});
const UpdateConnection = Type.Partial(Type.Omit(CreateConnection, ['kind']), { additionalProperties: false });
const EmailDomainBody = strictObject({
  domain: Type.String(), connectionId: Uuid, status: Type.Union([Type.Literal('pending'), Type.Literal('verified')]),
  recordName: Type.String(), recordValue: Type.String(), createdAt: DateTime, verifiedAt: Type.Optional(DateTime),
});
const DomainParams = strictObject({ domain: Type.String({ minLength: 1, maxLength: 253 }) });
const SignedIn = strictObject({
  token: Type.String({ description: 'A Tenantry-issued JWT: send it as `Authorization: Bearer` to the tenant routes.' }),
  expiresAt: DateTime, tenantId: Uuid, userId: Type.String(), role: Type.String(),
  created: Type.Boolean({ description: 'Whether this sign-in made the user a member.' }),
});
const Jwk = Type.Record(Type.String(), Type.Unknown());

function connectionBody(connection: SsoConnection): Static<typeof ConnectionBody> {
  return { ...connection, settings: { ...connection.settings }, roleRules: [...connection.roleRules], createdAt: connection.createdAt.toISOString(), updatedAt: connection.updatedAt.toISOString() };
}

/** The JWKS of Tenantry's own tokens and the public sign-in routes (no credential: the IdP is the credential). */
export function registerPublicSsoRoutes(app: FastifyInstance, identity: IdentityApi): void {
  app.get('/.well-known/jwks.json', {
    schema: { tags, summary: 'The public keys of Tenantry-issued tokens (two during a key rollover)', security: PUBLIC, operationId: 'getJwks', response: { 200: strictObject({ keys: Type.Array(Jwk) }) } },
  }, async (_request, reply) => {
    // Short: a rotation must reach verifiers well before the previous key retires.
    void reply.header('cache-control', 'public, max-age=300');
    return identity.signingKeys.published();
  });
  app.get<{ Params: { tenantId: string; connectionId: string } }>('/v1/sso/:tenantId/:connectionId/start', {
    schema: {
      tags, summary: 'Start a sign-in through a tenant\'s OIDC connection: redirects to the identity provider', security: PUBLIC, operationId: 'startSsoSignIn',
      params: strictObject({ tenantId: Uuid, connectionId: Uuid }), response: { 302: Type.Null() },
    },
  }, async (request, reply) => {
    const { url } = await identity.signIn.begin(request.params.tenantId as TenantId, request.params.connectionId);
    return reply.redirect(url.href, 302);
  });
  app.get<{ Querystring: { email: string } }>('/v1/sso/discover', {
    schema: {
      tags, summary: 'Find the sign-in of an email address\'s verified domain (domain capture) and start it', security: PUBLIC, operationId: 'discoverSsoSignIn',
      querystring: strictObject({ email: Type.String({ minLength: 3, maxLength: 320 }) }),
      response: { 200: strictObject({ tenantId: Uuid, connectionId: Uuid, url: Type.String({ description: 'Send the browser here.' }) }) },
    },
  }, async (request) => {
    const { tenantId, connectionId } = await identity.emailDomains.route(request.query.email.trim().toLowerCase());
    const { url } = await identity.signIn.begin(tenantId, connectionId);
    return { tenantId, connectionId, url: url.href };
  });
  app.get<{ Params: { tenantId: string; connectionId: string } }>('/v1/sso/saml/:tenantId/:connectionId/start', {
    schema: {
      tags, summary: 'Start a sign-in through a tenant\'s SAML connection: redirects to the identity provider with an AuthnRequest', security: PUBLIC, operationId: 'startSamlSignIn',
      params: strictObject({ tenantId: Uuid, connectionId: Uuid }), response: { 302: Type.Null() },
    },
  }, async (request, reply) => {
    const { url } = await identity.saml.begin(request.params.tenantId as TenantId, request.params.connectionId);
    return reply.redirect(url.href, 302);
  });
  // The assertion consumer service (HTTP-POST binding): the connection's `acsUrl` names this route.
  void app.register(async (acs) => {
    acs.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    acs.post<{ Params: { tenantId: string; connectionId: string }; Body: { SAMLResponse: string; RelayState?: string } }>('/v1/sso/saml/:tenantId/:connectionId/acs', {
      schema: {
        tags, summary: 'Where the identity provider POSTs its SAML response: answers a Tenantry token', security: PUBLIC, operationId: 'completeSamlSignIn',
        params: strictObject({ tenantId: Uuid, connectionId: Uuid }),
        body: strictObject({ SAMLResponse: Type.String({ minLength: 1, maxLength: 500_000 }), RelayState: Type.Optional(Type.String({ maxLength: 1024 })) }),
        response: { 200: SignedIn },
      },
    }, async (request) => {
      const signedIn = await identity.saml.complete(request.params.tenantId as TenantId, request.params.connectionId, request.body.SAMLResponse);
      return { ...signedIn, expiresAt: signedIn.expiresAt.toISOString() };
    });
  });
  app.post<{ Params: { tenantId: string; connectionId: string }; Body: { username: string; password: string } }>('/v1/sso/ldap/:tenantId/:connectionId/sign-in', {
    schema: {
      tags, summary: 'Sign in with a user name and password the tenant\'s LDAP directory checks: answers a Tenantry token', security: PUBLIC, operationId: 'ldapSignIn',
      params: strictObject({ tenantId: Uuid, connectionId: Uuid }),
      body: strictObject({ username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }),
      response: { 200: SignedIn },
    },
  }, async (request) => {
    const signedIn = await identity.ldap.signIn(request.params.tenantId as TenantId, request.params.connectionId, request.body.username, request.body.password);
    return { ...signedIn, expiresAt: signedIn.expiresAt.toISOString() };
  });
  app.get('/v1/sso/callback', {
    schema: { tags, summary: 'Where the identity provider sends the browser back: answers a Tenantry token', security: PUBLIC, operationId: 'completeSsoSignIn', response: { 200: SignedIn } },
  }, async (request) => {
    const signedIn = await identity.signIn.complete(new URL(request.url, identity.publicUrl));
    return { ...signedIn, expiresAt: signedIn.expiresAt.toISOString() };
  });
}

/** A tenant's own SSO configuration (tenant admins: `sso:read`, `sso:write`); every change audited. */
export function registerTenantSsoRoutes(app: FastifyInstance, deps: { readonly db: TenantDatabase; readonly identity: IdentityApi }): void {
  const { identity } = deps;
  const inTenant = inCurrentTenant(deps.db);
  type ById = { Params: Static<typeof IdParams> };
  app.get('/sso/connections', {
    config: { access: 'sso:read' },
    schema: { tags, security, summary: 'List the tenant\'s SSO connections', operationId: 'listSsoConnections', response: { 200: strictObject({ items: Type.Array(ConnectionBody) }) } },
  }, async () => ({ items: (await inTenant((scope) => identity.connections.list(scope))).map(connectionBody) }));
  app.post<{ Body: Static<typeof CreateConnection> }>('/sso/connections', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Add an SSO connection (its secret is stored encrypted)', operationId: 'createSsoConnection', body: CreateConnection, response: { 201: ConnectionBody } },
  }, async (request, reply) => {
    const created = await inTenant((scope) => identity.connections.create(scope, request.body as SsoConnectionInput, actorOf(request).id));
    return reply.code(201).send(connectionBody(created));
  });
  app.get<ById>('/sso/connections/:id', {
    config: { access: 'sso:read' },
    schema: { tags, security, summary: 'Get an SSO connection', operationId: 'getSsoConnection', params: IdParams, response: { 200: ConnectionBody } },
  }, async (request) => connectionBody(await inTenant((scope) => identity.connections.get(scope, request.params.id))));
  app.patch<ById & { Body: Static<typeof UpdateConnection> }>('/sso/connections/:id', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Change an SSO connection', operationId: 'updateSsoConnection', params: IdParams, body: UpdateConnection, response: { 200: ConnectionBody } },
  }, async (request) => connectionBody(await inTenant((scope) => identity.connections.update(scope, request.params.id, request.body as Partial<SsoConnectionInput>, actorOf(request).id))));
  app.delete<ById>('/sso/connections/:id', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Remove an SSO connection (and the email domains routed to it)', operationId: 'removeSsoConnection', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => identity.connections.remove(scope, request.params.id, actorOf(request).id));
    return reply.code(204).send();
  });
  app.post<ById>('/sso/connections/:id/scim-token', {
    config: { access: 'sso:write' },
    schema: {
      tags, security, summary: 'Make the connection\'s SCIM token (shown once; the previous one stops working)', operationId: 'rotateScimToken', params: IdParams,
      response: { 201: strictObject({ token: Type.String({ description: 'Send it as `Authorization: Bearer` to /scim/v2.' }), baseUrl: Type.String({ description: 'The SCIM base URL to give the identity provider.' }) }) },
    },
  }, async (request, reply) => {
    const { token } = await inTenant((scope) => identity.scimTokens.rotate(scope, request.params.id, actorOf(request).id));
    return reply.code(201).send({ token, baseUrl: new URL('/scim/v2', identity.publicUrl).href });
  });
  app.delete<ById>('/sso/connections/:id/scim-token', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Revoke the connection\'s SCIM token', operationId: 'revokeScimToken', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => identity.scimTokens.revoke(scope, request.params.id, actorOf(request).id));
    return reply.code(204).send();
  });
  const Issuer = strictObject({ issuer: Type.String({ minLength: 1, maxLength: 2048 }), audience: Type.String({ minLength: 1, maxLength: 512 }), jwksUrl: Type.String({ minLength: 1, maxLength: 2048 }) });
  const IssuerBody = strictObject({ ...Issuer.properties, createdAt: DateTime });
  app.get('/sso/issuers', {
    config: { access: 'sso:read' },
    schema: { tags, security, summary: 'List the tenant\'s own token issuers', operationId: 'listTokenIssuers', response: { 200: strictObject({ items: Type.Array(IssuerBody) }) } },
  }, async () => ({ items: (await inTenant((scope) => identity.tenantIssuers.list(scope))).map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })) }));
  app.post<{ Body: Static<typeof Issuer> }>('/sso/issuers', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Accept the tenant\'s own IdP tokens (issuer, audience, JWKS URL) for this tenant only', operationId: 'registerTokenIssuer', body: Issuer, response: { 201: IssuerBody } },
  }, async (request, reply) => {
    const made = await inTenant((scope) => identity.tenantIssuers.register(scope, request.body, actorOf(request).id));
    return reply.code(201).send({ ...made, createdAt: made.createdAt.toISOString() });
  });
  app.post<{ Body: { issuer: string; audience: string } }>('/sso/issuers/remove', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Stop accepting a token issuer', operationId: 'removeTokenIssuer', body: strictObject({ issuer: Issuer.properties.issuer, audience: Issuer.properties.audience }), response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => identity.tenantIssuers.remove(scope, request.body.issuer, request.body.audience, actorOf(request).id));
    return reply.code(204).send();
  });
  app.get('/sso/domains', {
    config: { access: 'sso:read' },
    schema: { tags, security, summary: 'List the email domains the tenant claims for sign-in', operationId: 'listSsoDomains', response: { 200: strictObject({ items: Type.Array(EmailDomainBody) }) } },
  }, async () => ({ items: (await inTenant((scope) => identity.emailDomains.list(scope))).map(emailDomainBody) }));
  app.post<{ Body: { domain: string; connectionId: string } }>('/sso/domains', {
    config: { access: 'sso:write' },
    schema: {
      tags, security, summary: 'Claim an email domain for a connection; answers the TXT record that proves control of it', operationId: 'addSsoDomain',
      body: strictObject({ domain: Type.String({ minLength: 1, maxLength: 253 }), connectionId: Uuid }), response: { 201: EmailDomainBody },
    },
  }, async (request, reply) => reply.code(201).send(emailDomainBody(await inTenant((scope) => identity.emailDomains.add(scope, request.body.domain, request.body.connectionId, actorOf(request).id)))));
  app.post<{ Params: { domain: string } }>('/sso/domains/:domain/verify', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Look the TXT record up now; a match routes the domain\'s sign-ins to this tenant', operationId: 'verifySsoDomain', params: DomainParams, response: { 200: EmailDomainBody } },
  }, async (request) => emailDomainBody(await inTenant((scope) => identity.emailDomains.verify(scope, request.params.domain, actorOf(request).id))));
  app.delete<{ Params: { domain: string } }>('/sso/domains/:domain', {
    config: { access: 'sso:write' },
    schema: { tags, security, summary: 'Release an email domain', operationId: 'removeSsoDomain', params: DomainParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await inTenant((scope) => identity.emailDomains.remove(scope, request.params.domain, actorOf(request).id));
    return reply.code(204).send();
  });
}

function emailDomainBody(domain: EmailDomain): Static<typeof EmailDomainBody> {
  const { createdAt, verifiedAt, ...rest } = domain;
  return { ...rest, createdAt: createdAt.toISOString(), ...(verifiedAt === undefined ? {} : { verifiedAt: verifiedAt.toISOString() }) };
}
