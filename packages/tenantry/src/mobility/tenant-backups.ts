// Per-tenant backups in the export format, their retention (keep N, or N days, by the injected
// clock), and restore: a safety backup first, then the tenant's data replaced in one
// transaction from the chosen backup. Other tenants are never read or written.
import { randomBytes } from 'node:crypto';
import { appendAuditEvent, withAuditOperator } from '../audit/index.js';
import { parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool, TenantDatabase } from '../postgres/index.js';
import type { BackupInfo, BackupReason, BackupStore } from './backup-store.js';
import { exportTenant } from './export-tenant.js';
import { importTenant, type ImportResult } from './import-tenant.js';

export interface TenantBackupsOptions {
  /** App-role pool (exports) and tenant database (restores). */
  readonly app: SqlPool;
  readonly db: TenantDatabase;
  /** Operator-role pool: audit events of backups and pruning. */
  readonly operator: SqlPool;
  readonly store: BackupStore;
  /** Signs every backup's manifest; a restore checks it. */
  readonly key?: Buffer;
  readonly clock?: Clock;
  readonly spoolDir?: string;
}

/** How many backups to keep: the newest `keep`, and/or none older than `maxAgeDays`. Safety backups count like the others. */
export interface BackupRetention {
  readonly keep?: number;
  readonly maxAgeDays?: number;
}

export interface TenantBackups {
  backup(tenantId: TenantId | string, options: { readonly actor: string; readonly reason?: BackupReason }): Promise<BackupInfo>;
  list(tenantId: TenantId | string): Promise<BackupInfo[]>;
  /** Takes a safety backup, then replaces the tenant's data with backup `id`'s, verified against its manifest. */
  restore(tenantId: TenantId | string, id: string, options: { readonly actor: string }): Promise<ImportResult & { readonly safetyBackup: BackupInfo }>;
  /** Deletes the backups past `retention`; returns them. */
  prune(tenantId: TenantId | string, retention: BackupRetention, options: { readonly actor: string }): Promise<BackupInfo[]>;
}

const DAY_MS = 86_400_000;

/** `20261110T120000123Z-1a2b3c4d`: sorts by time, unique, never a path. */
function backupId(at: Date): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * @example
 * const backups = createTenantBackups({ app, db, operator, store: directoryBackupStore({ dir, residency: 'eu' }) });
 * const b = await backups.backup(tenantId, { actor: 'operator:ann' });
 * await backups.restore(tenantId, b.id, { actor: 'operator:ann' });
 */
export function createTenantBackups(options: TenantBackupsOptions): TenantBackups {
  const clock = options.clock ?? systemClock;
  const { store } = options;
  const extra = { ...(options.key === undefined ? {} : { key: options.key }), ...(options.spoolDir === undefined ? {} : { spoolDir: options.spoolDir }) };

  const backup: TenantBackups['backup'] = async (tenant, { actor, reason = 'on-demand' }) => {
    const tenantId = parseTenantId(tenant);
    const createdAt = clock.now();
    return store.put(
      { id: backupId(createdAt), tenantId, createdAt: createdAt.toISOString(), residency: store.residency, reason },
      async (out) => (await exportTenant({ app: options.app, operator: options.operator, tenantId, out, actor, clock, ...extra })).archive,
    );
  };

  return {
    backup,
    list: (tenant) => store.list(parseTenantId(tenant)),
    async restore(tenant, id, { actor }) {
      const tenantId = parseTenantId(tenant);
      const { open } = await store.get(tenantId, id);
      const safetyBackup = await backup(tenantId, { actor, reason: 'safety' });
      const result = await importTenant({ db: options.db, input: open(), into: tenantId, mode: 'replace', actor, clock, ...extra });
      return { ...result, safetyBackup };
    },
    async prune(tenant, retention, { actor }) {
      const tenantId = parseTenantId(tenant);
      const now = clock.now().getTime();
      const all = await store.list(tenantId);
      const doomed = all.filter((b, i) => (retention.keep !== undefined && i >= retention.keep)
        || (retention.maxAgeDays !== undefined && now - Date.parse(b.createdAt) > retention.maxAgeDays * DAY_MS));
      for (const b of doomed) await store.delete(tenantId, b.id);
      if (doomed.length > 0) {
        await withAuditOperator(options.operator, tenantId, (tx) => appendAuditEvent(tx, {
          actor, action: 'backup.prune', details: { deleted: doomed.map((b) => b.id), keep: retention.keep ?? null, maxAgeDays: retention.maxAgeDays ?? null },
        }, { clock }));
      }
      return doomed;
    },
  };
}
