// The manifest of a tenant archive: what was exported, from where, and the SHA-256 of every
// table file. It is the archive's first entry; an import checks it, then every file against it,
// before writing anything.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mobilityErrors } from './errors.js';
import type { ArchiveColumn, TableKind } from './table-catalog.js';

export const ARCHIVE_FORMAT = 'tenantry.tenant-archive';
/** Bumped when the layout or the row encoding changes; an import refuses versions it does not know. */
export const ARCHIVE_FORMAT_VERSION = 1;

export interface ManifestTable {
  /** `schema.table` in the source. */
  readonly name: string;
  readonly kind: TableKind;
  /** The archive entry holding its rows (`tables/0001.ndjson`). */
  readonly file: string;
  readonly columns: readonly ArchiveColumn[];
  readonly rows: number;
  readonly bytes: number;
  /** SHA-256 (hex) of the file. */
  readonly sha256: string;
}

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly formatVersion: number;
  /** The newest Tenantry migration of the exporting library. */
  readonly schemaVersion: string;
  readonly exportedAt: string;
  readonly tenant: {
    readonly id: string;
    readonly slug: string;
    readonly displayName: string;
    readonly plan: string;
    readonly region: string;
    readonly tier: string;
    readonly status: string;
  };
  /** In foreign-key order: an import writes them in this order. */
  readonly tables: readonly ManifestTable[];
}

const FILE = /^tables\/[0-9]{4}\.ndjson$/;
const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function invalid(reason: string): never {
  throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason } });
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses and checks a manifest's bytes; every field an import relies on is checked here. */
export function parseManifest(bytes: Buffer): ArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    invalid('the manifest is not JSON');
  }
  const m = value as Partial<ArchiveManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== ARCHIVE_FORMAT) invalid('the first entry is not a Tenantry tenant manifest');
  if (m.formatVersion !== ARCHIVE_FORMAT_VERSION) throw mobilityErrors.create('ARCHIVE_VERSION_UNSUPPORTED', { details: { formatVersion: String(m.formatVersion) } });
  const t = m.tenant;
  if (typeof t !== 'object' || t === null || !UUID.test(String(t.id)) || ![t.slug, t.displayName, t.plan, t.region, t.tier, t.status].every(isString)) invalid('the manifest\'s tenant is malformed');
  if (!isString(m.schemaVersion) || !isString(m.exportedAt) || !Array.isArray(m.tables)) invalid('the manifest is missing fields');
  const files = new Set<string>();
  for (const table of m.tables as unknown[]) {
    const e = table as Partial<ManifestTable> | null;
    if (typeof e !== 'object' || e === null || !isString(e.name) || !/^[^.]+\.[^.]+$/.test(e.name)) invalid('a table of the manifest is malformed');
    if (!['data', 'audit-events', 'audit-checkpoints'].includes(String(e.kind))) invalid(`table ${e.name} has an unknown kind`);
    if (!isString(e.file) || !FILE.test(e.file) || files.has(e.file)) invalid(`table ${e.name} names an invalid or repeated file`);
    files.add(e.file);
    if (!isCount(e.rows) || !isCount(e.bytes) || !isString(e.sha256) || !HEX64.test(e.sha256)) invalid(`table ${e.name} has malformed counts or checksum`);
    if (!Array.isArray(e.columns) || e.columns.length === 0 || !e.columns.every((c: Partial<ArchiveColumn> | null) => typeof c === 'object' && c !== null && isString(c.name) && isString(c.type))) {
      invalid(`table ${e.name} has malformed columns`);
    }
  }
  return m as ArchiveManifest;
}

/** HMAC-SHA256 (hex) of the manifest's bytes under the operator's archive key. */
export function manifestSignature(manifest: Buffer, key: Buffer): string {
  return createHmac('sha256', key).update(manifest).digest('hex');
}

/** Refuses a signature that is missing, unexpected or wrong. */
export function checkManifestSignature(manifest: Buffer, signature: Buffer | undefined, key: Buffer | undefined): void {
  if (key === undefined && signature === undefined) return;
  if (key === undefined || signature === undefined) throw mobilityErrors.create('ARCHIVE_SIGNATURE_INVALID', { details: { reason: key === undefined ? 'the archive is signed; pass its key' : 'the archive is not signed' } });
  const expected = Buffer.from(manifestSignature(manifest, key), 'utf8');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw mobilityErrors.create('ARCHIVE_SIGNATURE_INVALID', { details: { reason: 'the signature does not match' } });
}
