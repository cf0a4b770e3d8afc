// Error codes of the mobility capability: tenant archives (export, import), backups and
// restores, retention and erasure.
import { defineErrors } from '../core/index.js';

export const mobilityErrors = defineErrors('mobility', {
  ARCHIVE_INVALID: {
    kind: 'invalid',
    message: 'The tenant archive is not one Tenantry can read: truncated, malformed or tampered with.',
    fix: 'See `details.reason` (and `details.entry` or `details.table`). Export the tenant again; never edit an archive by hand.',
  },
  ARCHIVE_TOO_LARGE: {
    kind: 'invalid',
    message: 'The tenant archive, or one of its entries, is larger than the import allows.',
    fix: 'Raise `maxArchiveBytes` / `maxEntryBytes` of the import if the archive is genuine (`details.limit` says which).',
  },
  ARCHIVE_SIGNATURE_INVALID: {
    kind: 'invalid',
    message: 'The tenant archive is signed with another key, or not signed while a key was given (or the reverse).',
    fix: 'Pass the same archive key to the import as to the export (`--key`), or none to either.',
  },
  ARCHIVE_VERSION_UNSUPPORTED: {
    kind: 'invalid',
    message: 'The tenant archive has a format version this Tenantry does not read.',
    fix: 'Import it with the Tenantry version that exported it (`details.formatVersion`), or export again.',
  },
  IMPORT_TABLE_UNKNOWN: {
    kind: 'invalid',
    message: 'The archive holds a table, or a column, that this database does not isolate.',
    fix: 'Migrate the target (and isolateTable() the application tables) to the schema of the source before importing: see `details.table` and `details.column`.',
  },
  IMPORT_FOREIGN_ROW: {
    kind: 'invalid',
    message: 'The archive holds a row of a tenant other than the one it says it exports.',
    fix: 'The archive was altered or assembled by hand; export the tenant again. `details.table` names the table.',
  },
  IMPORT_TARGET_NOT_EMPTY: {
    kind: 'conflict',
    message: 'The tenant to import into already holds data.',
    fix: 'Import into a new tenant, or restore (which replaces the tenant\'s data after a safety backup).',
  },
  IMPORT_VERIFICATION_FAILED: {
    kind: 'internal',
    message: 'After writing, the imported data did not match the archive\'s manifest; nothing was kept.',
    fix: 'See `details.table`: a trigger or default in the target changes rows on insert. Nothing was written.',
  },
  BACKUP_NOT_FOUND: {
    kind: 'not_found',
    message: 'There is no such backup of this tenant.',
    fix: 'List the tenant\'s backups and pass one of their ids.',
  },
  RETENTION_POLICY_INVALID: {
    kind: 'invalid',
    message: 'The retention policy is invalid.',
    fix: 'See `details.field`: the data class is one of usage_events, activity, backups; keep days is an integer from 1 to 36500.',
  },
  ERASURE_NOT_DUE: {
    kind: 'conflict',
    message: 'The tenant cannot be erased yet: it is not deleted, or its grace period has not ended.',
    fix: 'Delete the tenant first and wait for `details.dueAt`.',
  },
  ERASURE_CERTIFICATE_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant has not been erased: there is no certificate of erasure.',
    fix: 'Erase the tenant first (after its deletion and grace period).',
  },
  TENANT_ALREADY_ERASED: {
    kind: 'conflict',
    message: 'The tenant was already erased.',
    fix: 'Read its certificate of erasure instead (GET /v1/tenants/{id}/erasure-certificate).',
  },
});

export type MobilityErrorCode = Parameters<typeof mobilityErrors.create>[0];
