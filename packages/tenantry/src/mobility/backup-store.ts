// Where per-tenant backups are kept: a small interface (put, get, list, delete) with a
// directory implementation here; an S3-compatible one can implement the same four calls.
// Every location carries a residency tag (the region its bytes live in), recorded with each backup.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { parseTenantId, type TenantId } from '../core/index.js';
import { mobilityErrors } from './errors.js';

/** What is recorded beside each backup. */
export interface BackupInfo {
  readonly id: string;
  readonly tenantId: TenantId;
  /** ISO time from the injected clock. */
  readonly createdAt: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The residency tag of the location holding it. */
  readonly residency: string;
  /** `scheduled`, `on-demand`, or `safety` (taken by a restore before it replaces data). */
  readonly reason: BackupReason;
}

export type BackupReason = 'scheduled' | 'on-demand' | 'safety';

/** A place backups live. Ids are chosen by the caller and checked against {@link BACKUP_ID}. */
export interface BackupStore {
  /** Where the bytes live (a region or jurisdiction name), recorded with each backup. */
  readonly residency: string;
  /** Stores the archive written by `write`; visible to `list` only once complete. */
  put(info: Omit<BackupInfo, 'bytes' | 'sha256'>, write: (out: Writable) => Promise<{ bytes: number; sha256: string }>): Promise<BackupInfo>;
  get(tenantId: TenantId, id: string): Promise<{ info: BackupInfo; open: () => Readable }>;
  /** Newest first. */
  list(tenantId: TenantId): Promise<BackupInfo[]>;
  delete(tenantId: TenantId, id: string): Promise<void>;
}

/** Backup ids: a sortable time and a random suffix; never a path. */
export const BACKUP_ID = /^[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8}$/;

function checkId(id: string): string {
  if (!BACKUP_ID.test(id)) throw mobilityErrors.create('BACKUP_NOT_FOUND');
  return id;
}

export interface DirectoryBackupStoreOptions {
  readonly dir: string;
  readonly residency: string;
}

/**
 * Backups as files: `<dir>/<tenant id>/<backup id>.tar.gz` and its `.json` record. The archive
 * is written under a `.partial` name and renamed when complete, so an interrupted backup is
 * never listed and the next run starts over.
 *
 * @example const store = directoryBackupStore({ dir: '/var/backups/tenantry', residency: 'eu' });
 */
export function directoryBackupStore(options: DirectoryBackupStoreOptions): BackupStore {
  const folder = (tenantId: TenantId) => join(options.dir, parseTenantId(tenantId));
  const readInfo = async (tenantId: TenantId, id: string): Promise<BackupInfo> => {
    try {
      return JSON.parse(await readFile(join(folder(tenantId), `${checkId(id)}.json`), 'utf8')) as BackupInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw mobilityErrors.create('BACKUP_NOT_FOUND');
      throw err;
    }
  };
  return {
    residency: options.residency,
    async put(info, write) {
      const dir = folder(info.tenantId);
      await mkdir(dir, { recursive: true });
      const base = join(dir, checkId(info.id));
      const partial = `${base}.tar.gz.partial`;
      const out = createWriteStream(partial, { flags: 'w' });
      try {
        const written = await write(out);
        if (!out.closed) await once(out, 'close');
        const complete: BackupInfo = { ...info, ...written };
        await rename(partial, `${base}.tar.gz`);
        await writeFile(`${base}.json`, `${JSON.stringify(complete)}\n`);
        return complete;
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    },
    async get(tenantId, id) {
      const info = await readInfo(tenantId, id);
      const path = join(folder(tenantId), `${id}.tar.gz`);
      await stat(path).catch(() => {
        throw mobilityErrors.create('BACKUP_NOT_FOUND');
      });
      return { info, open: () => createReadStream(path) };
    },
    async list(tenantId) {
      const names = await readdir(folder(tenantId)).catch(() => [] as string[]);
      const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => BACKUP_ID.test(id));
      const infos = await Promise.all(ids.map((id) => readInfo(tenantId, id)));
      return infos.sort((a, b) => (a.id < b.id ? 1 : -1));
    },
    async delete(tenantId, id) {
      const base = join(folder(tenantId), checkId(id));
      // The record first: a backup without its record is never listed, one without its archive would be.
      await rm(`${base}.json`, { force: true });
      await rm(`${base}.tar.gz`, { force: true });
    },
  };
}
