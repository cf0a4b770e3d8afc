// Turns a raw string from a request into a tenant reference: a UUID is an id, anything else a slug.
import { tryParseTenantId } from '../../core/index.js';
import type { TenantReference } from '../strategy.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A reference, or undefined when `raw` is neither a UUID nor a well-formed slug (it can name no tenant). */
export function referenceFrom(raw: string): TenantReference | undefined {
  const value = raw.trim();
  const id = tryParseTenantId(value);
  if (id) return { by: 'id', id };
  const slug = value.toLowerCase();
  return SLUG.test(slug) ? { by: 'slug', slug } : undefined;
}
