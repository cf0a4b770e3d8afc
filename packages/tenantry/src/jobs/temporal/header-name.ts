// The Temporal header that carries the tenant. A file of its own, importing nothing, because
// the workflow interceptors run in Temporal's workflow sandbox, where Node's async_hooks (and
// so the tenant context) do not exist.

/** Header key on workflow starts, activities and child workflows: `{ tenantId, slug? }`. */
export const TENANT_HEADER = 'tenantry-tenant';
