// The mobility capability: a tenant's data as one verified archive (export, import), backups
// and restores of one tenant, retention per data class, and erasure with a certificate.
// See docs/mobility.md.
export { mobilityErrors } from './errors.js';
export { exportTenant } from './export-tenant.js';
export type { ExportResult, ExportTenantOptions } from './export-tenant.js';
export { importTenant } from './import-tenant.js';
export type { ImportMode, ImportResult, ImportTenantOptions } from './import-tenant.js';
export { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, parseManifest } from './manifest.js';
export type { ArchiveManifest, ManifestTable } from './manifest.js';
export type { ArchiveLimits, WrittenArchive } from './archive.js';
export { tenantTables } from './table-catalog.js';
export type { ArchiveColumn, TableKind, TenantTable } from './table-catalog.js';
export { directoryBackupStore, BACKUP_ID } from './backup-store.js';
export type { BackupInfo, BackupReason, BackupStore, DirectoryBackupStoreOptions } from './backup-store.js';
export { createTenantBackups } from './tenant-backups.js';
export type { BackupRetention, TenantBackups, TenantBackupsOptions } from './tenant-backups.js';
export { applyRetention, retentionPolicies, setRetentionPolicy, RETENTION_DATA_CLASSES } from './retention.js';
export type { ApplyRetentionOptions, RetentionDataClass, RetentionPolicy, RetentionRun, RetentionScope } from './retention.js';
export { eraseTenant, tryGetErasureCertificate, ERASURE_CERTIFICATE_TYPE } from './erase-tenant.js';
export type { ErasureCertificate, EraseTenantOptions } from './erase-tenant.js';
export { MOVE_STEPS } from './tenant-move.js';
export type { MovePlacement, MoveState, MoveStep, PlacementDirectory, TenantMove } from './tenant-move.js';
