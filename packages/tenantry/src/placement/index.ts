// The placement capability (docs/tiers.md): PostgreSQL targets with regions, each tenant placed
// on one with a tier (pooled, schema, database), residency, the database tier's bounded pools,
// and the application's migrations across tenants.
export { placementErrors } from './errors.js';
export { createPlacementDirectory, tenantObjectName } from './directory.js';
export type { AddTargetInput, Placement, PlacementDirectory, PlacementDirectoryOptions, PlacementRequest, Residency, Target, TargetState } from './directory.js';
export { createBoundedPools } from './tenant-pools.js';
export type { BoundedPools, BoundedPoolsOptions, BoundedPoolsStats, HeldPool } from './tenant-pools.js';
export { createPlacement, PLACEMENTS_TOPIC } from './placement.js';
export type { MigrateTenantsOptions, PlacementOptions, TenantMigrationReport, TierPlacement } from './placement.js';
export type { TenantMigrationStatus } from './tenant-migrations.js';
