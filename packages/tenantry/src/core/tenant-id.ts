// TenantId: the internal, immutable UUID of a tenant, branded so that a slug or an unchecked
// string cannot be passed where an id is expected.
import { v7 as uuidv7, validate as uuidValidate } from 'uuid';
import { coreErrors } from './errors.js';

declare const tenantIdBrand: unique symbol;
/** A tenant's UUID, parsed once at the edge and trusted inside. */
export type TenantId = string & { readonly [tenantIdBrand]: true };

/**
 * A new tenant id: UUID v7, so ids sort by creation time and index well (random v4 ids
 * scatter B-tree inserts). The random part (74 bits) keeps them unguessable enough for ids;
 * they are never credentials.
 *
 * @example const id = newTenantId();
 */
export function newTenantId(): TenantId {
  return uuidv7() as TenantId;
}

/**
 * Parses an untrusted string into a TenantId (lower-cased canonical form) or throws
 * `TENANT_ID_INVALID`. Any UUID version is accepted so ids from other systems can be imported.
 *
 * @example const id = parseTenantId(req.headers['x-tenant-id']);
 */
export function parseTenantId(value: unknown): TenantId {
  const parsed = tryParseTenantId(value);
  if (parsed === undefined) throw coreErrors.create('TENANT_ID_INVALID');
  return parsed;
}

/** Like {@link parseTenantId}, but returns `undefined` instead of throwing. */
export function tryParseTenantId(value: unknown): TenantId | undefined {
  if (typeof value !== 'string' || value.length !== 36 || !uuidValidate(value)) return undefined;
  const lower = value.toLowerCase();
  // The nil and max UUIDs validate but are never real tenants; refusing them stops a
  // "zero" default from ever addressing data.
  if (lower === '00000000-0000-0000-0000-000000000000' || lower === 'ffffffff-ffff-ffff-ffff-ffffffffffff') return undefined;
  return lower as TenantId;
}
