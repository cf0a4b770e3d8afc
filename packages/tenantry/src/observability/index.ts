// The observability capability: per-tenant Prometheus metrics with a bounded tenant label
// (prom-client, an optional peer), and tenant spans through @opentelemetry/api (an optional
// peer). Logging lives with the frameworks (pino in the server and adapters).
export { createTenantMetrics, NO_TENANT } from './tenant-metrics.js';
export type { CacheStats, TenantMetrics, TenantMetricsOptions } from './tenant-metrics.js';
export { TenantLabels, OTHER_TENANTS } from './tenant-labels.js';
export type { TenantLabelsOptions } from './tenant-labels.js';
export { SpaceSaving } from './space-saving.js';
export type { HeavyHitter } from './space-saving.js';
export { recordSpanError, TENANT_ID_ATTRIBUTE, tracingDatabaseObserver } from './tenant-tracing.js';
export type { TracingDatabaseObserverOptions } from './tenant-tracing.js';
export { combineObservers } from './combine-observers.js';
export { createDatabaseTime } from './database-time.js';
export type { DatabaseTime, DatabaseTimeOptions, TenantDatabaseTime } from './database-time.js';
