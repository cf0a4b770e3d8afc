// The container of a tenant archive: a gzip-compressed tar (npm tar-stream) whose entries are
// `manifest.json`, an optional `manifest.sig`, then one `tables/NNNN.ndjson` per table. Written
// from spooled files and read into spooled files, so memory stays flat whatever the size.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { isTenantryError } from '../core/index.js';
import { mobilityErrors } from './errors.js';
import { parseManifest, type ArchiveManifest } from './manifest.js';

export const MANIFEST_ENTRY = 'manifest.json';
export const SIGNATURE_ENTRY = 'manifest.sig';
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A file to put in the archive: its entry name and where it was spooled. */
export interface SpooledEntry {
  readonly name: string;
  readonly path: string;
  readonly size: number;
}

/** What an archive write produced: its size and SHA-256, to record and hand to the operator. */
export interface WrittenArchive {
  readonly bytes: number;
  readonly sha256: string;
}

/** Counts and hashes the bytes passing through. */
class Tally extends Transform {
  bytes = 0;
  readonly #hash = createHash('sha256');
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(mobilityErrors.create('ARCHIVE_TOO_LARGE', { details: { limit: 'maxArchiveBytes' } }));
    this.#hash.update(chunk);
    done(null, chunk);
  }
  digest(): string {
    return this.#hash.digest('hex');
  }
}

/**
 * Writes the manifest (and its signature) then `entries` to `out` as a .tar.gz. The tar is
 * written with fixed modes and times so equal content gives an equal archive.
 */
export async function writeArchive(out: Writable, manifest: Buffer, signature: string | undefined, entries: readonly SpooledEntry[]): Promise<WrittenArchive> {
  const tar = pack();
  const tally = new Tally();
  const mtime = new Date(0);
  const written = pipeline(tar, createGzip(), tally, out);
  const add = (name: string, body: Buffer) => new Promise<void>((resolve, reject) => tar.entry({ name, mode: 0o644, mtime }, body, (err) => (err ? reject(err) : resolve())));
  try {
    await add(MANIFEST_ENTRY, manifest);
    if (signature !== undefined) await add(SIGNATURE_ENTRY, Buffer.from(signature, 'utf8'));
    for (const entry of entries) {
      const sink = tar.entry({ name: entry.name, size: entry.size, mode: 0o644, mtime });
      await pipeline(createReadStream(entry.path), sink);
    }
    tar.finalize();
  } catch (err) {
    tar.destroy(err as Error);
  }
  await written;
  return { bytes: tally.bytes, sha256: tally.digest() };
}

/** Limits of an import; an archive past them is refused (ARCHIVE_TOO_LARGE) before anything is written. */
export interface ArchiveLimits {
  /** Compressed bytes. Default 64 GiB. */
  readonly maxArchiveBytes?: number;
  /** Uncompressed bytes of one table file. Default 64 GiB. */
  readonly maxEntryBytes?: number;
}

/** An archive unpacked into a spool directory and checked against its manifest. */
export interface UnpackedArchive {
  readonly manifest: ArchiveManifest;
  readonly manifestBytes: Buffer;
  readonly signature: Buffer | undefined;
  /** Spooled file of each manifest table's entry, by entry name. */
  readonly files: ReadonlyMap<string, string>;
}

function invalid(reason: string, entry?: string): never {
  throw mobilityErrors.create('ARCHIVE_INVALID', { details: entry === undefined ? { reason } : { reason, entry } });
}

async function readSmall(stream: AsyncIterable<unknown>, limit: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) invalid('the entry is larger than it may be', name);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Unpacks `input` into `dir`. Entry names are never used as paths: only the exact names above
 * are accepted (no directories, links, absolute or `..` paths), each table file is spooled under
 * a name of our own, counted and hashed while it streams, and compared with the manifest. A
 * truncated or tampered archive throws ARCHIVE_INVALID; nothing is written to the database.
 */
export async function readArchive(input: Readable, dir: string, limits: ArchiveLimits = {}): Promise<UnpackedArchive> {
  const maxEntry = limits.maxEntryBytes ?? 64 * 1024 ** 3;
  const tar = extract();
  const unpacking = pipeline(input, new Tally(limits.maxArchiveBytes ?? 64 * 1024 ** 3), createGunzip(), tar);
  let manifest: ArchiveManifest | undefined;
  let manifestBytes: Buffer | undefined;
  let signature: Buffer | undefined;
  const files = new Map<string, string>();
  const reading = (async () => {
    for await (const entry of tar) {
      const { name, type, size } = entry.header;
      if (type !== 'file') invalid(`entry type ${type} is not allowed`, name);
      if (manifest === undefined) {
        if (name !== MANIFEST_ENTRY) invalid('the first entry must be the manifest', name);
        manifestBytes = await readSmall(entry, MAX_MANIFEST_BYTES, name);
        manifest = parseManifest(manifestBytes);
        continue;
      }
      if (name === SIGNATURE_ENTRY && signature === undefined && files.size === 0) {
        signature = await readSmall(entry, 128, name);
        continue;
      }
      const index = manifest.tables.findIndex((t) => t.file === name);
      const table = manifest.tables[index];
      if (table === undefined) invalid('the entry is not in the manifest', name);
      if (files.has(name)) invalid('the entry appears twice', name);
      if (size > maxEntry) throw mobilityErrors.create('ARCHIVE_TOO_LARGE', { details: { limit: 'maxEntryBytes', entry: name } });
      if (size !== table.bytes) invalid('the entry\'s size differs from the manifest', name);
      const path = join(dir, `table-${index}`);
      const tally = new Tally(maxEntry);
      await pipeline(entry, tally, createWriteStream(path, { flags: 'wx' }));
      if (tally.digest() !== table.sha256) invalid('the entry\'s SHA-256 differs from the manifest', name);
      files.set(name, path);
    }
  })().catch((err: unknown) => {
    // Stop the unpacking too: otherwise it waits forever for a reader that left.
    tar.destroy(err as Error);
    throw err;
  });
  // Either side may fail first (a truncated gzip fails the pipeline, a bad entry the reader).
  const [unpacked, read] = await Promise.allSettled([unpacking, reading]);
  for (const outcome of [read, unpacked]) {
    if (outcome.status === 'rejected') {
      if (isTenantryError(outcome.reason)) throw outcome.reason;
      invalid(`the archive is truncated or not a gzip-compressed tar (${(outcome.reason as Error).message})`);
    }
  }
  if (manifest === undefined || manifestBytes === undefined) invalid('the archive holds no manifest');
  for (const table of manifest.tables) if (!files.has(table.file)) invalid('an entry of the manifest is missing', table.file);
  return { manifest, manifestBytes, signature, files };
}
