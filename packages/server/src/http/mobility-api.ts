// The mobility routes' dependencies from the server's configuration (docs/mobility.md).
import { directoryBackupStore } from 'tenantry/mobility';
import type { SqlPool } from 'tenantry/postgres';
import type { ServerConfig } from '../config.js';
import type { MobilityApi } from '../routes/mobility.js';

/** @example api: { …, mobility: mobilityApi(config, database.app) } */
export function mobilityApi(config: Pick<ServerConfig, 'backupDir' | 'backupResidency' | 'archiveKey' | 'erasureGraceDays' | 'maxImportBytes'>, app: SqlPool): MobilityApi {
  return {
    app,
    erasureGraceDays: config.erasureGraceDays,
    maxImportBytes: config.maxImportBytes,
    ...(config.backupDir === undefined ? {} : { backups: directoryBackupStore({ dir: config.backupDir, residency: config.backupResidency }) }),
    ...(config.archiveKey === undefined ? {} : { archiveKey: Buffer.from(config.archiveKey, 'base64') }),
  };
}
