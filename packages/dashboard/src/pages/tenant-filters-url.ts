// The tenant list's filters live in the URL (`/dashboard/?status=suspended&plan=pro`), so Back,
// reload and a shared link keep them.
import type { TenantFilters } from '../api/endpoints.js';

const KEYS = ['search', 'status', 'plan', 'tier', 'region'] as const;

/** @example filtersFromSearch(new URLSearchParams('status=active')) // { status: 'active' } */
export function filtersFromSearch(search: URLSearchParams): TenantFilters {
  const filters: Record<string, string> = {};
  for (const key of KEYS) {
    const value = search.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** @example listPath({ status: 'active', search: '' }) // "/?status=active" */
export function listPath(filters: TenantFilters): string {
  const search = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key]?.trim();
    if (value) search.set(key, value);
  }
  const text = search.toString();
  return text === '' ? '/' : `/?${text}`;
}

/** A tenant's page: by slug while it lives, by id once deleted (its slug may belong to another). */
export function tenantPath(tenant: { id: string; slug: string; status: string }, tab = ''): string {
  return `/tenants/${tenant.status === 'deleted' ? tenant.id : tenant.slug}${tab ? `/${tab}` : ''}`;
}
