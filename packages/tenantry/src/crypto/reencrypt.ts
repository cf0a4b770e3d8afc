// Re-encryption to the newest data key: for any stream of ciphertexts, and for one column of a
// tenant table. Old versions stay readable meanwhile; this only lets them be retired.
import { coreErrors } from '../core/index.js';
import { checkContext, type EncryptionContext } from './associated-data.js';
import { checkInteger, checkKnownKeys } from './check-options.js';
import type { EncryptionScope } from './data-key-store.js';
import { decodeEnvelope, toText } from './envelope.js';
import { cryptoErrors } from './errors.js';
import { openMessage, sealMessage } from './message.js';
import type { DataKey, TenantKeyring } from './tenant-keyring.js';

/** A ciphertext and the context it was encrypted with; any other fields are passed through. */
export interface ReencryptItem {
  readonly ciphertext: string | Uint8Array;
  readonly context: EncryptionContext;
}

type SameEncoding<C> = C extends string ? string : Buffer;

/** An item as re-encryption yields it: the ciphertext in the encoding it came in. */
export type Reencrypted<T extends ReencryptItem> = Omit<T, 'ciphertext'> & {
  readonly ciphertext: SameEncoding<T['ciphertext']>;
  /** False when it was already under the newest key (and is returned unchanged). */
  readonly reencrypted: boolean;
  readonly keyVersion: number;
};

export interface ReencryptColumnOptions {
  /** `table` or `schema.table`: a tenant table with a `tenant_id` column. */
  readonly table: string;
  /** A text (text envelopes) or bytea (byte envelopes) column. */
  readonly column: string;
  /** A unique column to page by and to name the row in the context. Default `id`. */
  readonly idColumn?: string;
  /** The context each value was encrypted with. Default `{ purpose: 'table.column', recordId: id }`. */
  readonly context?: (id: string) => EncryptionContext;
  /** Rows per page. Default 100. */
  readonly batchSize?: number;
}

export interface ReencryptColumnResult {
  readonly scanned: number;
  readonly reencrypted: number;
  /** Rows whose value changed between read and update: left as the other writer made them. */
  readonly skipped: number;
  readonly keyVersion: number | undefined;
}

/** Re-encrypts one envelope under `newest` (undefined when it is current), zeroing the plaintext afterwards. */
async function reencryptOne(keyring: TenantKeyring, scope: EncryptionScope, newest: DataKey, ciphertext: string | Uint8Array, context: EncryptionContext) {
  const envelope = decodeEnvelope(ciphertext);
  if (envelope.keyVersion >= newest.version) return undefined;
  const { key } = await keyring.version(scope, envelope.keyVersion);
  const plaintext = openMessage(key, scope.tenantId, context, envelope);
  try {
    const sealed = sealMessage(newest.key, newest.version, scope.tenantId, context, plaintext);
    return typeof ciphertext === 'string' ? toText(sealed) : sealed;
  } finally {
    plaintext.fill(0);
  }
}

/** The newest key, never created here: a tenant without keys cannot have encrypted anything. */
async function newestKey(keyring: TenantKeyring, scope: EncryptionScope): Promise<DataKey> {
  const newest = await keyring.newestIfAny(scope);
  if (newest === undefined) throw cryptoErrors.create('DECRYPTION_FAILED', { details: { reason: 'unknown key version' } });
  return newest;
}

export async function* reencryptItems<T extends ReencryptItem>(
  keyring: TenantKeyring,
  scope: EncryptionScope,
  items: AsyncIterable<T> | Iterable<T>,
): AsyncGenerator<Reencrypted<T>> {
  // Fetched at the first item, not before: an empty stream reads nothing.
  let newest: DataKey | undefined;
  for await (const item of items) {
    checkContext(item.context);
    const { keyVersion } = decodeEnvelope(item.ciphertext);
    newest ??= await newestKey(keyring, scope);
    const replaced = await reencryptOne(keyring, scope, newest, item.ciphertext, item.context);
    yield {
      ...item,
      ciphertext: (replaced ?? item.ciphertext) as SameEncoding<T['ciphertext']>,
      reencrypted: replaced !== undefined,
      keyVersion: replaced === undefined ? keyVersion : newest.version,
    };
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const quote = (name: string) => `"${name}"`;

function qualified(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'table', reason: 'a plain identifier or schema.table' } });
  }
  return parts.map(quote).join('.');
}

function column(name: string, path: string): string {
  if (!IDENTIFIER.test(name)) throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: 'a plain identifier' } });
  return quote(name);
}

export async function reencryptColumn(keyring: TenantKeyring, scope: EncryptionScope, options: ReencryptColumnOptions): Promise<ReencryptColumnResult> {
  checkKnownKeys(options, ['table', 'column', 'idColumn', 'context', 'batchSize'], '');
  const table = qualified(options.table);
  const value = column(options.column, 'column');
  const id = column(options.idColumn ?? 'id', 'idColumn');
  const batchSize = checkInteger(options.batchSize ?? 100, 1, 10_000, 'batchSize');
  const contextOf = options.context ?? ((rowId: string) => ({ purpose: `${options.table}.${options.column}`, recordId: rowId }));

  const newest = await keyring.newestIfAny(scope);
  if (newest === undefined) return { scanned: 0, reencrypted: 0, skipped: 0, keyVersion: undefined };
  // These statements go through the guarded path: they touch the application's table, and
  // tenant_id is named so that only this tenant's rows are paged (and Citus can route).
  const select = `SELECT ${id} AS id, ${id}::text AS "idText", ${value} AS value FROM ${table} WHERE tenant_id = $1 AND ${value} IS NOT NULL`;
  const update = `UPDATE ${table} SET ${value} = $3 WHERE tenant_id = $1 AND ${id} = $2 AND ${value} = $4`;
  let scanned = 0;
  let reencrypted = 0;
  let skipped = 0;
  let after: unknown;
  for (;;) {
    const { rows } = await (after === undefined
      ? scope.query<{ id: unknown; idText: string; value: string | Buffer }>(`${select} ORDER BY ${id} LIMIT $2`, [scope.tenantId, batchSize])
      : scope.query<{ id: unknown; idText: string; value: string | Buffer }>(`${select} AND ${id} > $2 ORDER BY ${id} LIMIT $3`, [scope.tenantId, after, batchSize]));
    for (const row of rows) {
      scanned += 1;
      const replaced = await reencryptOne(keyring, scope, newest, row.value, contextOf(row.idText));
      if (replaced === undefined) continue;
      const { rowCount } = await scope.query(update, [scope.tenantId, row.id, replaced, row.value]);
      if (rowCount === 1) reencrypted += 1;
      else skipped += 1;
    }
    if (rows.length < batchSize) break;
    after = (rows[rows.length - 1] as { id: unknown }).id;
  }
  return { scanned, reencrypted, skipped, keyVersion: newest.version };
}
