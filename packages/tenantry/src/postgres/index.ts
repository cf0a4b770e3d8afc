// The postgres capability: tenant transactions, RLS DDL for the application's tables, roles,
// migrations and the driver interface. No driver is imported here: each has its own subpath
// (`tenantry/postgres/pg` for pgPool, `tenantry/postgres/postgres-js` for postgresJsPool), so an
// application installs only the one it uses.
export type { SqlConnection, SqlPool, SqlPoolStats, SqlQueryable, SqlResult, PreambleStatement } from './sql-client.js';
export { quoteIdentifier, quoteLiteral } from './quote.js';
export { postgresErrors, toTenantryError } from './errors.js';
export { withDatabaseDeadline } from './database-deadline.js';
export type { TransactionStatus } from './sql-client.js';
export { createTenantDatabase } from './tenant-database.js';
export { withPoolTransaction } from './pool-transaction.js';
export type { TenantDatabase, TenantDatabaseOptions, TenantRoute, TenantRouter, WithTenantOptions } from './tenant-database.js';
export type { TenantDatabaseObserver, TenantStatementEvent, TenantTransactionEvent } from './tenant-database-observer.js';
export { createSqlGuard, judgeStatement } from './sql-guard.js';
export type { RefusalReason, SqlGuard, SqlGuardOptions } from './sql-guard.js';
export type { TenantScope } from './tenant-scope.js';
export { createFairAdmission } from './fair-admission.js';
export type { AdmissionStats, AdmissionTicket, FairAdmission, FairAdmissionOptions, TenantShare } from './fair-admission.js';
export type { TenantDatabaseLimits, TenantLimitsSource } from './tenant-limits.js';
export type { TenantTransaction } from './tenant-transaction.js';
export type { AdmitMode } from './tenant-gate.js';
export { isolateTable, TENANT_PREDICATE } from './isolate-table.js';
export type { IsolateTableOptions, IsolateTableResult } from './isolate-table.js';
export { formatAdoptionPlan, planAdoption } from './adoption-plan.js';
export type { AdoptableTable, AdoptionPlan, BlockedTable, PlanAdoptionOptions } from './adoption-plan.js';
export { migrate, loadMigrations, tenantryMigrations } from './migrations.js';
export type { Migration, MigrateOptions, MigrateResult } from './migrations.js';
export { DEFAULT_ROLE_NAMES, resolveRoleNames, roleUrl } from './roles.js';
export type { RoleNames, RolePasswords } from './roles.js';
