// Encoding and decoding the tenant header. The header is written by our client interceptor and
// read by our activity interceptor; anything else in it is refused, never trusted.
import { defaultPayloadConverter, type Headers, type Payload } from '@temporalio/common';
import { parseTenantId, type TenantContext, type TenantId } from '../../core/index.js';
import { jobsErrors } from '../errors.js';
import { TENANT_HEADER } from './header-name.js';

export interface TenantHeader {
  readonly tenantId: TenantId;
  readonly slug?: string;
}

export function encodeTenantHeader(context: Pick<TenantContext, 'tenantId' | 'slug'>): Payload {
  return defaultPayloadConverter.toPayload({ tenantId: context.tenantId, ...(context.slug === undefined ? {} : { slug: context.slug }) });
}

/** The tenant in `headers`, `undefined` when there is no tenant header, WORKFLOW_TENANT_HEADER_INVALID when it is not ours. */
export function decodeTenantHeader(headers: Headers): TenantHeader | undefined {
  const payload = headers[TENANT_HEADER];
  if (payload === undefined) return undefined;
  let value: unknown;
  try {
    value = defaultPayloadConverter.fromPayload(payload);
  } catch (err) {
    throw jobsErrors.create('WORKFLOW_TENANT_HEADER_INVALID', { cause: err });
  }
  if (typeof value !== 'object' || value === null) throw jobsErrors.create('WORKFLOW_TENANT_HEADER_INVALID');
  const { tenantId, slug } = value as { tenantId?: unknown; slug?: unknown };
  if (typeof tenantId !== 'string' || (slug !== undefined && typeof slug !== 'string')) throw jobsErrors.create('WORKFLOW_TENANT_HEADER_INVALID');
  let id: TenantId;
  try {
    id = parseTenantId(tenantId);
  } catch (err) {
    throw jobsErrors.create('WORKFLOW_TENANT_HEADER_INVALID', { cause: err });
  }
  return { tenantId: id, ...(typeof slug === 'string' ? { slug } : {}) };
}
