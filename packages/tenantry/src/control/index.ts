// Layer 3, the control plane: the tenant registry and its lifecycle.
export { controlErrors } from './errors.js';
export { parseSlug, RESERVED_SLUGS } from './slug.js';
export { allowedEvents, nextStatus, LIFECYCLE_EVENTS } from './tenant-lifecycle.js';
export type { LifecycleEvent } from './tenant-lifecycle.js';
export { createTenantRegistry } from './tenant-registry.js';
export type { ChangeAuthor, CreateTenantInput, ListTenantsOptions, TenantPage, TenantRegistry, TenantRegistryOptions } from './tenant-registry.js';
export type { PurgeResult } from './tenant-purge.js';
