// Tenant routes for branding: read it, and replace it (a field left out is unset). Colours and
// the logo URL are checked in the library: 400 BRANDING_INVALID names the field.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { actorOf } from '../http/principal.js';
import { strictObject, TENANT_SECURITY } from './schemas.js';

const Field = (description: string) => Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], { description });
const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
const NAME = 'Shown to the tenant\'s users, 1–200 characters.';
const COLOR = 'A hex colour, `#rrggbb` (or `#rgb`, stored as `#rrggbb`).';
const LOGO = 'An https URL of at most 2048 characters.';
export const BrandingBody = strictObject({ name: Nullable(NAME), primaryColor: Nullable(COLOR), accentColor: Nullable(COLOR), logoUrl: Nullable(LOGO) });
const PutBranding = strictObject({
  name: Type.Optional(Field(NAME)), primaryColor: Type.Optional(Field(COLOR)), accentColor: Type.Optional(Field(COLOR)), logoUrl: Type.Optional(Field(LOGO)),
});

const tags = ['branding'];
const security = TENANT_SECURITY;

/**
 * @example registerBrandingRoutes(tenantScope, deps); // GET, PUT /v1/tenant/branding
 */
export function registerBrandingRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { branding } = deps.control;

  app.get('/branding', {
    config: { access: 'settings:read' },
    schema: { tags, security, summary: 'The tenant\'s branding (unset fields are null)', operationId: 'getBranding', response: { 200: BrandingBody } },
  }, async () => branding.get(requireTenant().tenantId));
  app.put<{ Body: Static<typeof PutBranding> }>('/branding', {
    config: { access: 'settings:write' },
    schema: { tags, security, summary: 'Replace the tenant\'s branding', operationId: 'putBranding', body: PutBranding, response: { 200: BrandingBody } },
  }, async (request) => branding.put(requireTenant().tenantId, request.body, actorOf(request)));
}
