// createTenantEncryption: per-tenant envelope encryption of application values, with data-key
// rotation, re-encryption and crypto-shredding.
import { coreErrors, systemClock, type Clock } from '../core/index.js';
import type { EncryptionContext } from './associated-data.js';
import { checkContext } from './associated-data.js';
import { checkInteger, checkKnownKeys } from './check-options.js';
import { DataKeyCache, type DataKeyCacheConfig } from './data-key-cache.js';
import { listKeyRows, type EncryptionScope } from './data-key-store.js';
import { decodeEnvelope, toText, type EnvelopeEncoding } from './envelope.js';
import type { KeyProvider } from './key-provider.js';
import { openMessage, plaintextBytes, plaintextText, sealMessage } from './message.js';
import {
  reencryptColumn, reencryptItems,
  type Reencrypted, type ReencryptColumnOptions, type ReencryptColumnResult, type ReencryptItem,
} from './reencrypt.js';
import { keySql, TenantKeyring, type DestroyedKeys, type KeyEventHook } from './tenant-keyring.js';

export interface TenantEncryptionOptions {
  /** Holds the master keys: `localKeyProvider(...)`, or a KMS behind the same interface. */
  readonly keyProvider: KeyProvider;
  /** For key timestamps and the cache's expiry. */
  readonly clock?: Clock;
  /** The in-process cache of unwrapped data keys. Defaults: 1,000 keys, 5 minutes. */
  readonly cache?: { readonly maxEntries?: number; readonly ttlMs?: number };
  /**
   * Called for each key created or destroyed, with the scope it happened in: append the audit
   * event through that scope and it commits (or rolls back) with the change. If it throws,
   * the operation fails.
   */
  readonly onKeyEvent?: KeyEventHook;
}

/** A data key as listDataKeys shows it: never the key itself. */
export interface DataKeyInfo {
  readonly version: number;
  /** Absent once destroyed. */
  readonly masterKeyId?: string;
  readonly createdAt: Date;
  readonly rewrappedAt?: Date;
  readonly destroyedAt?: Date;
}

export interface TenantEncryption {
  /**
   * Encrypts `plaintext` for the scope's tenant with its newest data key (creating version 1
   * on first use). The result decrypts only in that tenant and with the same `context`.
   * Text by default (unpadded base64url); `{ encoding: 'bytes' }` for a bytea column.
   *
   * @example
   * await db.transaction(tenantId, async (tx) => {
   *   const body = await encryption.encrypt(tx, 'dear diary', { purpose: 'notes.body', recordId: noteId });
   *   await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [noteId, body]);
   * });
   */
  encrypt(scope: EncryptionScope, plaintext: string | Uint8Array, context: EncryptionContext, options?: { encoding?: 'text' }): Promise<string>;
  encrypt(scope: EncryptionScope, plaintext: string | Uint8Array, context: EncryptionContext, options: { encoding: 'bytes' }): Promise<Buffer>;
  encrypt(scope: EncryptionScope, plaintext: string | Uint8Array, context: EncryptionContext, options?: { encoding?: EnvelopeEncoding }): Promise<string | Buffer>;
  /**
   * Decrypts an envelope (text or bytes) in the scope's tenant. Throws DECRYPTION_FAILED when
   * it was altered or belongs to another tenant, record or purpose, and TENANT_KEY_DESTROYED
   * after crypto-shredding.
   *
   * @example
   * const bytes = await db.withTenant(tenantId, (scope) => encryption.decrypt(scope, row.avatar, { purpose: 'users.avatar', recordId: row.id }));
   */
  decrypt(scope: EncryptionScope, ciphertext: string | Uint8Array, context: EncryptionContext): Promise<Buffer>;
  /**
   * {@link TenantEncryption.decrypt} for values encrypted from strings.
   *
   * @example
   * const body = await encryption.decryptText(scope, row.body, { purpose: 'notes.body', recordId: row.id });
   */
  decryptText(scope: EncryptionScope, ciphertext: string | Uint8Array, context: EncryptionContext): Promise<string>;
  /**
   * Starts a new data key version: new writes use it, older versions stay readable. After
   * crypto-shredding it is also how a tenant gets a key again.
   *
   * @example
   * const { version } = await db.transaction(tenantId, (tx) => encryption.rotateDataKey(tx));
   */
  rotateDataKey(scope: EncryptionScope): Promise<{ version: number }>;
  /**
   * Crypto-shredding: removes the wrapped key of every version of the tenant and forgets the
   * unwrapped ones in this process, so every ciphertext of the tenant, backups included, can
   * no longer be decrypted (TENANT_KEY_DESTROYED). Returns what to audit; `onKeyEvent` sees it too.
   *
   * @example
   * await db.transaction(tenantId, (tx) => encryption.destroyTenantKeys(tx), { admit: 'offboarding' });
   */
  destroyTenantKeys(scope: EncryptionScope): Promise<DestroyedKeys>;
  /**
   * The tenant's data key versions, oldest first, without key material.
   *
   * @example const versions = await db.withTenant(tenantId, (scope) => encryption.listDataKeys(scope));
   */
  listDataKeys(scope: EncryptionScope): Promise<DataKeyInfo[]>;
  /**
   * Re-encrypts ciphertexts to the tenant's newest data key, yielding each item with its new
   * ciphertext (in the same encoding). Items already under the newest version are yielded
   * unchanged and unopened, with `reencrypted: false`.
   *
   * @example
   * for await (const row of encryption.reencrypt(tx, rowsOf(tx))) await tx.query('UPDATE notes SET body = $2 WHERE id = $1', [row.id, row.ciphertext]);
   */
  reencrypt<T extends ReencryptItem>(scope: EncryptionScope, items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<Reencrypted<T>>;
  /**
   * Re-encrypts one column of a tenant table to the newest data key, in batches, skipping
   * current values and rows changed meanwhile. Safe to re-run.
   *
   * @example
   * await db.withTenant(tenantId, (scope) => encryption.reencryptColumn(scope, { table: 'notes', column: 'body' }));
   */
  reencryptColumn(scope: EncryptionScope, options: ReencryptColumnOptions): Promise<ReencryptColumnResult>;
}

const DEFAULT_CACHE: DataKeyCacheConfig = Object.freeze({ maxEntries: 1000, ttlMs: 5 * 60_000 });

function resolveCache(options: TenantEncryptionOptions['cache']): DataKeyCacheConfig {
  if (options === undefined) return DEFAULT_CACHE;
  if (typeof options !== 'object' || options === null) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'cache', reason: 'must be an object' } });
  checkKnownKeys(options, ['maxEntries', 'ttlMs'], 'cache');
  return Object.freeze({
    maxEntries: checkInteger(options.maxEntries ?? DEFAULT_CACHE.maxEntries, 0, 1_000_000, 'cache.maxEntries'),
    ttlMs: checkInteger(options.ttlMs ?? DEFAULT_CACHE.ttlMs, 0, 24 * 3_600_000, 'cache.ttlMs'),
  });
}

function resolveEncoding(options: { encoding?: EnvelopeEncoding } | undefined): EnvelopeEncoding {
  if (options === undefined) return 'text';
  checkKnownKeys(options, ['encoding'], 'options');
  const encoding = options.encoding ?? 'text';
  if (encoding !== 'text' && encoding !== 'bytes') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'options.encoding', reason: "'text' or 'bytes'" } });
  return encoding;
}

/**
 * Envelope encryption per tenant. Every data key is random, belongs to one tenant and
 * version, and is stored only wrapped by the key provider's master key, in
 * `tenantry.tenant_keys` under row-level security: each call reads its key row through the
 * scope it is given, so a tenant cannot load another tenant's key, a suspended tenant's scope
 * gets none, and a key destroyed by any process is refused at once. Only the unwrapping
 * (a KMS call, for a remote provider) is cached.
 *
 * @example
 * const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: parseMasterKey(config.masterKey) } }) });
 * const secret = await db.withTenant(tenantId, (scope) => encryption.encrypt(scope, 'sk_live_…', { purpose: 'integrations.token', recordId: integrationId }));
 */
export function createTenantEncryption(options: TenantEncryptionOptions): TenantEncryption {
  if (typeof options !== 'object' || options === null) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'options', reason: 'must be an object' } });
  checkKnownKeys(options, ['keyProvider', 'clock', 'cache', 'onKeyEvent'], '');
  const { keyProvider } = options;
  if (typeof keyProvider?.wrap !== 'function' || typeof keyProvider.unwrap !== 'function' || typeof keyProvider.currentKeyId !== 'string') {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'keyProvider', reason: 'must implement KeyProvider (currentKeyId, wrap, unwrap)' } });
  }
  const clock = options.clock ?? systemClock;
  const keyring = new TenantKeyring(keyProvider, new DataKeyCache(resolveCache(options.cache), clock), clock, options.onKeyEvent);

  async function encrypt(scope: EncryptionScope, plaintext: string | Uint8Array, context: EncryptionContext, opts?: { encoding?: EnvelopeEncoding }): Promise<string | Buffer> {
    const encoding = resolveEncoding(opts);
    checkContext(context);
    const bytes = plaintextBytes(plaintext);
    try {
      const { version, key } = await keyring.newest(scope);
      const envelope = sealMessage(key, version, scope.tenantId, context, bytes);
      return encoding === 'bytes' ? envelope : toText(envelope);
    } finally {
      // The UTF-8 copy of a string is ours to clear; the caller's bytes are not.
      if (bytes !== plaintext) bytes.fill(0);
    }
  }

  async function decrypt(scope: EncryptionScope, ciphertext: string | Uint8Array, context: EncryptionContext): Promise<Buffer> {
    checkContext(context);
    const envelope = decodeEnvelope(ciphertext);
    const { key } = await keyring.version(scope, envelope.keyVersion);
    return openMessage(key, scope.tenantId, context, envelope);
  }

  const encryption: TenantEncryption = {
    encrypt: encrypt as TenantEncryption['encrypt'],
    decrypt,
    decryptText: async (scope, ciphertext, context) => plaintextText(await decrypt(scope, ciphertext, context)),
    rotateDataKey: async (scope) => ({ version: await keyring.rotate(scope) }),
    destroyTenantKeys: (scope) => keyring.destroy(scope),
    async listDataKeys(scope) {
      const rows = await listKeyRows(keySql(scope), scope.tenantId);
      return rows.map((r) => ({
        version: r.version,
        createdAt: r.createdAt,
        ...(r.masterKeyId === null ? {} : { masterKeyId: r.masterKeyId }),
        ...(r.rewrappedAt === null ? {} : { rewrappedAt: r.rewrappedAt }),
        ...(r.destroyedAt === null ? {} : { destroyedAt: r.destroyedAt }),
      }));
    },
    reencrypt: (scope, items) => reencryptItems(keyring, scope, items),
    reencryptColumn: (scope, opts) => reencryptColumn(keyring, scope, opts),
  };
  return Object.freeze(encryption);
}
