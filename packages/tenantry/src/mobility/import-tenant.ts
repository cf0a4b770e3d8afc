// importTenant: an archive into a new (empty) tenant, or in place of a tenant's data (restore).
// The archive is unpacked and checked first (manifest, signature, every file's SHA-256, the
// source's audit chain); then everything is written in ONE tenant transaction, read back and
// compared with the manifest before it commits: it lands whole or not at all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { appendAuditEvent } from '../audit/index.js';
import { parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlQueryable, TenantDatabase } from '../postgres/index.js';
import { quoteIdentifier } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { readArchive, type ArchiveLimits } from './archive.js';
import { fileRows, rechainEvents, verifySourceChain } from './audit-rechain.js';
import { mobilityErrors } from './errors.js';
import { digestTable, tableLines } from './export-tenant.js';
import { checkManifestSignature, type ArchiveManifest, type ManifestTable } from './manifest.js';
import { TEXT_SETTINGS } from './tenant-snapshot.js';
import { tenantTables, type TenantTable } from './table-catalog.js';

/** `new`: the target must hold no data yet. `replace`: its data is deleted first (restore); its audit log stays and is appended to. */
export type ImportMode = 'new' | 'replace';

export interface ImportTenantOptions extends ArchiveLimits {
  /** The app-role tenant database: the import is one transaction of the target tenant. */
  readonly db: TenantDatabase;
  readonly input: Readable;
  /** The tenant the rows go to (active). Its id replaces the source's in every row. */
  readonly into: TenantId | string;
  readonly mode?: ImportMode;
  /** Who asks: the actor of the `tenant.import` / `tenant.restore` audit event. */
  readonly actor: string;
  /** The key the archive was signed with, if it was. */
  readonly key?: Buffer;
  readonly clock?: Clock;
  readonly spoolDir?: string;
}

export interface ImportResult {
  readonly source: ArchiveManifest['tenant'];
  /** Rows written per table (`schema.table`). */
  readonly rows: Readonly<Record<string, number>>;
  /** Audit events re-chained onto the target's log (0 in `replace` mode). */
  readonly auditEvents: number;
}

/** Pairs each manifest table with the target's table; refuses any table or column the target does not isolate. */
function planTables(manifest: ArchiveManifest, target: readonly TenantTable[]): Array<{ source: ManifestTable; target: TenantTable }> {
  const byName = new Map(target.map((t) => [t.name, t]));
  const plan = manifest.tables.map((source) => {
    const table = byName.get(source.name);
    if (table === undefined || table.kind !== source.kind) throw mobilityErrors.create('IMPORT_TABLE_UNKNOWN', { details: { table: source.name } });
    for (const column of source.columns) {
      if (!table.columns.some((c) => c.name === column.name)) throw mobilityErrors.create('IMPORT_TABLE_UNKNOWN', { details: { table: source.name, column: column.name } });
    }
    if (source.kind === 'data' && !source.columns.some((c) => c.name === 'tenant_id')) throw mobilityErrors.create('IMPORT_TABLE_UNKNOWN', { details: { table: source.name, column: 'tenant_id' } });
    return { source, target: table };
  });
  // The target's foreign-key order, which is the one its constraints need.
  const order = new Map(target.map((t, i) => [t.name, i]));
  return plan.sort((a, b) => (order.get(a.target.name) ?? 0) - (order.get(b.target.name) ?? 0));
}

/** The target's table seen through the archive's columns (their order, the target's key). */
const asArchived = (source: ManifestTable, target: TenantTable): TenantTable => ({ ...target, columns: source.columns });

async function insertRows(q: SqlQueryable, source: ManifestTable, target: TenantTable, path: string, from: string, to: TenantId): Promise<number> {
  const tenantColumn = source.columns.findIndex((c) => c.name === 'tenant_id');
  const columns = source.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  // Bound parameters only, typed by the target columns (PostgreSQL reads each from its text
  // form); under 65,535 parameters per statement.
  const perStatement = Math.max(1, Math.min(500, Math.floor(30_000 / source.columns.length)));
  let batch: (string | null)[] = [];
  let rows = 0;
  const flush = async () => {
    const count = batch.length / source.columns.length;
    if (count === 0) return;
    const tuples = Array.from({ length: count }, (_, r) => `(${source.columns.map((_c, i) => `$${r * source.columns.length + i + 1}`).join(', ')})`);
    await q.query(`INSERT INTO ${target.sql} (${columns}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`, batch);
    rows += count;
    batch = [];
  };
  for await (const values of fileRows(path, source)) {
    if (values[tenantColumn] !== from) throw mobilityErrors.create('IMPORT_FOREIGN_ROW', { details: { table: source.name } });
    values[tenantColumn] = to;
    batch.push(...values);
    if (batch.length >= perStatement * source.columns.length) await flush();
  }
  await flush();
  return rows;
}

/**
 * Imports a tenant archive into `into`. Refuses (and changes nothing) on a truncated, oversized
 * or tampered archive (ARCHIVE_INVALID, ARCHIVE_TOO_LARGE, ARCHIVE_SIGNATURE_INVALID), a table
 * or column this database does not isolate (IMPORT_TABLE_UNKNOWN), a row of another tenant
 * (IMPORT_FOREIGN_ROW), a target that already has data in `new` mode (IMPORT_TARGET_NOT_EMPTY),
 * or data that reads back differently from the manifest (IMPORT_VERIFICATION_FAILED).
 *
 * @example
 * await importTenant({ db, input: createReadStream('acme.tar.gz'), into: newTenant.id, actor: 'operator:ann' });
 */
export async function importTenant(options: ImportTenantOptions): Promise<ImportResult> {
  const into = parseTenantId(options.into);
  const mode = options.mode ?? 'new';
  const clock = options.clock ?? systemClock;
  const spool = await mkdtemp(join(options.spoolDir ?? tmpdir(), 'tenantry-import-'));
  try {
    const archive = await readArchive(options.input, spool, options);
    checkManifestSignature(archive.manifestBytes, archive.signature, options.key);
    const { manifest, files } = archive;
    const from = manifest.tenant.id;
    const pathOf = (t: ManifestTable) => files.get(t.file) as string;
    const auditTable = manifest.tables.find((t) => t.kind === 'audit-events');
    const chain = auditTable === undefined ? undefined : await verifySourceChain(pathOf(auditTable), auditTable, from);

    return await options.db.transaction(into, async (tx) => {
      const q = unguardedQuery(tx);
      await q.query(TEXT_SETTINGS);
      const plan = planTables(manifest, await tenantTables(q));
      const data = plan.filter((p) => p.source.kind === 'data');
      if (mode === 'new') {
        for (const { target } of data) {
          const { rows: [row] } = await q.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${target.sql}) AS any`);
          if (row?.any === true) throw mobilityErrors.create('IMPORT_TARGET_NOT_EMPTY', { details: { table: target.name } });
        }
      } else {
        // Children before parents. The audit log is append-only and stays.
        for (const { target } of [...data].reverse()) await q.query(`DELETE FROM ${target.sql}`);
      }
      const rows: Record<string, number> = {};
      for (const { source, target } of data) rows[source.name] = await insertRows(q, source, target, pathOf(source), from, into);
      // Read back under the archive's spelling (the source id in tenant_id): the same bytes or nothing.
      for (const { source, target } of data) {
        const digest = await digestTable(tableLines(q, asArchived(source, target), from));
        if (digest.sha256 !== source.sha256 || digest.rows !== source.rows) throw mobilityErrors.create('IMPORT_VERIFICATION_FAILED', { details: { table: source.name } });
      }
      const auditEvents = mode === 'new' && auditTable !== undefined ? await rechainEvents(q, pathOf(auditTable), auditTable, from, into) : 0;
      await appendAuditEvent(tx, {
        actor: options.actor,
        action: mode === 'new' ? 'tenant.import' : 'tenant.restore',
        details: {
          sourceTenant: from, exportedAt: manifest.exportedAt, schemaVersion: manifest.schemaVersion,
          rows: Object.values(rows).reduce((n, r) => n + r, 0), auditEvents,
          ...(chain === undefined ? {} : { sourceChainHeadSeq: chain.headSeq, sourceChainHeadHash: chain.headHash }),
        },
      }, { clock });
      return { source: manifest.tenant, rows, auditEvents };
    });
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}
