// exportTenant: one tenant's whole data as one archive, from one snapshot. Each table is
// spooled to a temporary file (one row per line, each value in its type's text form) while it
// is counted and hashed; then the manifest and the files are streamed out as a .tar.gz.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import { appendAuditEvent, withAuditOperator } from '../audit/index.js';
import { tenantryMigrations, type SqlPool, type SqlQueryable } from '../postgres/index.js';
import { writeArchive, type SpooledEntry, type WrittenArchive } from './archive.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, manifestSignature, type ArchiveManifest, type ManifestTable } from './manifest.js';
import { cursorRows, withTenantSnapshot } from './tenant-snapshot.js';
import { selectAsText, tenantTables, type TenantTable } from './table-catalog.js';
import { mobilityErrors } from './errors.js';

export interface ExportTenantOptions {
  /** A pool of the **app** role: the snapshot is read under the tenant's row-level policy. */
  readonly app: SqlPool;
  /** A pool of the operator role: the export is recorded in the tenant's audit log. */
  readonly operator: SqlPool;
  readonly tenantId: TenantId | string;
  readonly out: Writable;
  /** Who asks (`operator:ann`, `system`): the audit event's actor. */
  readonly actor: string;
  /** An operator key (≥ 32 bytes): the manifest is signed with it (HMAC-SHA256) and an import must present it. */
  readonly key?: Buffer;
  /** The export's time in the manifest and the audit log. Default: the system clock. */
  readonly clock?: Clock;
  /** Where tables are spooled. Default: the system's temporary directory. */
  readonly spoolDir?: string;
  /** Told after each table is read (a terminal shows a progress bar). */
  readonly onProgress?: (progress: { readonly table: string; readonly done: number; readonly total: number; readonly rows: number }) => void;
}

export interface ExportResult {
  readonly manifest: ArchiveManifest;
  readonly archive: WrittenArchive;
}

/**
 * The rows of `table` as NDJSON: one JSON array per row, each value its type's text form or
 * null, in the column order of `table`. `tenantIdAs` replaces the tenant_id column's value (an
 * import's verification spells the target's rows with the source's id, to compare digests).
 */
export async function* tableLines(q: SqlQueryable, table: TenantTable, tenantIdAs?: string): AsyncGenerator<Buffer> {
  const tenantColumn = table.columns.findIndex((c) => c.name === 'tenant_id');
  for await (const batch of cursorRows(q, selectAsText(table))) {
    const text = batch.map((row) => {
      const values = table.columns.map((_, i) => row[`c${i}`] ?? null);
      if (tenantIdAs !== undefined && tenantColumn >= 0) values[tenantColumn] = tenantIdAs;
      return `${JSON.stringify(values)}\n`;
    }).join('');
    yield Buffer.from(text, 'utf8');
  }
}

/** What a table's file holds: rows, bytes and SHA-256. */
export interface TableDigest {
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Counts, hashes and (given a path) spools the lines of {@link tableLines}. */
export async function digestTable(lines: AsyncIterable<Buffer>, path?: string): Promise<TableDigest> {
  const file = path === undefined ? undefined : createWriteStream(path, { flags: 'wx' });
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  try {
    for await (const chunk of lines) {
      hash.update(chunk);
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 0x0a) rows += 1;
      if (file !== undefined && !file.write(chunk)) await once(file, 'drain');
    }
  } finally {
    if (file !== undefined) {
      file.end();
      await once(file, 'close');
    }
  }
  return { rows, bytes, sha256: hash.digest('hex') };
}

interface TenantRow {
  id: string; slug: string; display_name: string; plan: string; region: string; tier: string; status: string;
}

/**
 * Exports every row of one tenant (its isolated application tables, Tenantry's control-plane
 * tables and its audit log) as a versioned, checksummed archive written to `out`, and appends
 * `tenant.export` to the tenant's audit log with the archive's SHA-256. Never another tenant's
 * rows: they are read as the app role under the tenant's row-level policy. A failed export can
 * simply be run again (it writes nothing to the database until its audit event).
 *
 * @example
 * const { archive } = await exportTenant({ app, operator, tenantId, out: createWriteStream('acme.tar.gz'), actor: 'operator:ann' });
 */
export async function exportTenant(options: ExportTenantOptions): Promise<ExportResult> {
  const clock = options.clock ?? systemClock;
  if (options.key !== undefined && options.key.length < 32) throw mobilityErrors.create('ARCHIVE_SIGNATURE_INVALID', { details: { reason: 'an archive key has at least 32 bytes' } });
  const spool = await mkdtemp(join(options.spoolDir ?? tmpdir(), 'tenantry-export-'));
  try {
    const migrations = await tenantryMigrations();
    const { manifest, entries } = await withTenantSnapshot(options.app, options.tenantId, async (q) => {
      const { rows: [tenant] } = await q.query<TenantRow>('SELECT id::text, slug, display_name, plan, region, tier, status FROM tenantry.tenants');
      if (tenant === undefined) throw coreErrors.create('TENANT_NOT_FOUND');
      const tables = await tenantTables(q);
      const listed: ManifestTable[] = [];
      const spooled: SpooledEntry[] = [];
      for (const [i, table] of tables.entries()) {
        const file = `tables/${String(i + 1).padStart(4, '0')}.ndjson`;
        const path = join(spool, `table-${i}`);
        const written = await digestTable(tableLines(q, table), path);
        listed.push({ name: table.name, kind: table.kind, file, columns: table.columns, ...written });
        spooled.push({ name: file, path, size: written.bytes });
        options.onProgress?.({ table: table.name, done: i + 1, total: tables.length, rows: written.rows });
      }
      const body: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        formatVersion: ARCHIVE_FORMAT_VERSION,
        schemaVersion: migrations.at(-1)?.version ?? '0000',
        exportedAt: clock.now().toISOString(),
        tenant: { id: tenant.id, slug: tenant.slug, displayName: tenant.display_name, plan: tenant.plan, region: tenant.region, tier: tenant.tier, status: tenant.status },
        tables: listed,
      };
      return { manifest: body, entries: spooled };
    });
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    const signature = options.key === undefined ? undefined : manifestSignature(manifestBytes, options.key);
    const archive = await writeArchive(options.out, manifestBytes, signature, entries);
    await withAuditOperator(options.operator, manifest.tenant.id, (tx) => appendAuditEvent(tx, {
      actor: options.actor,
      action: 'tenant.export',
      details: { archiveSha256: archive.sha256, bytes: archive.bytes, tables: manifest.tables.length, rows: manifest.tables.reduce((n, t) => n + t.rows, 0), signed: signature !== undefined },
    }, { clock }));
    return { manifest, archive };
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}
