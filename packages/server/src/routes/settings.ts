// Tenant routes for the tenant's settings: read them (choices over the defaults) and change some.
// The body is checked by the application's settings schema in the library, so an invalid value
// is a 400 SETTINGS_INVALID naming the field, not a generic request error.
import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { actorOf } from '../http/principal.js';
import { SETTINGS_FORMATS } from '../settings-schema.js';
import { strictObject, TENANT_SECURITY } from './schemas.js';

const tags = ['settings'];
const security = TENANT_SECURITY;
/**
 * The schema as plain JSON Schema for the response, without the formats only TypeBox knows:
 * Fastify's serializer would warn about each on every start (values are checked on write).
 */
function responseSchema(schema: TObject): TObject {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key === 'format' && typeof value === 'string' && SETTINGS_FORMATS.has(value) ? undefined : value))) as TObject;
}

const Patch = Type.Object({}, { additionalProperties: true, description: 'Some settings, by name; the others keep their values.' });

/**
 * @example registerSettingsRoutes(tenantScope, deps); // GET, PATCH /v1/tenant/settings
 */
export function registerSettingsRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { settings } = deps.control;
  // The response is documented (and serialized) by the deployment's own schema when it is known.
  const Values: TObject = deps.settingsSchema === undefined ? Type.Object({}, { additionalProperties: true }) : responseSchema(deps.settingsSchema);
  const Reply = strictObject({ values: Values });

  app.get('/settings', {
    config: { access: 'settings:read' },
    schema: { tags, security, summary: 'The tenant\'s settings: its choices over the defaults', operationId: 'getSettings', response: { 200: Reply } },
  }, async () => ({ values: await settings.get(requireTenant().tenantId) }));
  app.patch<{ Body: Record<string, unknown> }>('/settings', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Change some settings (400 SETTINGS_INVALID names the field)', operationId: 'updateSettings', body: Patch, response: { 200: Reply } },
  }, async (request) => ({ values: await settings.update(requireTenant().tenantId, request.body, actorOf(request)) }));
}
