// tenantry/stores: the face shared by every tenant store (object storage, vectors, graph,
// documents), the key rule and the error codes. Each backend is its own subpath
// (tenantry/stores/s3, /kuzu, /neo4j, /pgvector, /lancedb, /mongodb, /cypher), so an application
// loads only the drivers it uses; the drivers are optional peer dependencies.
export { storesErrors } from './errors.js';
export { MAX_KEY_BYTES, normalizeStoreKey, normalizeStorePrefix } from './keys.js';
export { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant } from './tenant-store.js';
export type { StoreCheck, StoreFinding, StoreKind, StoreQuota, StoreRecord, TenantStore } from './tenant-store.js';
export type { VectorHit, VectorValue } from './vector-value.js';
