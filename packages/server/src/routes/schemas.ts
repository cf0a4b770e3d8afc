// Schema pieces the /v1 route files share: strict objects, ids, timestamps and the security
// requirements each kind of route documents in OpenAPI.
// For its FastifySchema additions (tags, summary, security …) that every route file uses.
import type {} from '@fastify/swagger';
import { Type, type TProperties } from '@sinclair/typebox';
import type { preValidationHookHandler } from 'fastify';
import { PERMISSIONS } from 'tenantry/control';

/**
 * An object that rejects unknown fields (Fastify's Ajv is set not to strip them, see app.ts).
 *
 * @example const Body = strictObject({ name: Type.String() });
 */
export const strictObject = <P extends TProperties>(properties: P, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** A timestamp; Date values are serialized as ISO 8601. */
export const DateTime = Type.String({ format: 'date-time' });
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = strictObject({ id: Uuid });
export const Permission = Type.Union(PERMISSIONS.map((p) => Type.Literal(p)));
/** A built-in role (owner, admin, member, viewer) or a custom role's id. */
export const RoleRef = Type.String({ minLength: 1, maxLength: 64 });
export const UserId = Type.String({ minLength: 1, maxLength: 256 });

/** OpenAPI security requirement of the operator routes. */
export const OPERATOR_SECURITY = [{ operatorToken: [] }];
/** OpenAPI security requirement of the tenant routes: any one of the credentials. */
export const TENANT_SECURITY = [{ apiKey: [] }, { bearerJwt: [] }, { impersonationToken: [] }];

/**
 * For routes whose body is optional: a request without one is validated (and handled) as `{}`.
 *
 * @example app.post('/x', { schema: { body: Optional }, preValidation: emptyBodyAsObject }, handler);
 */
export const emptyBodyAsObject: preValidationHookHandler = (request, _reply, done) => {
  request.body ??= {};
  done();
};
