// The keyring: finds, creates, unwraps and destroys a tenant's data keys through its tenant
// scope, and keeps unwrapped keys in the process cache.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { coreErrors, isTenantryError, type Clock, type TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { KEY_BYTES } from './aes-gcm.js';
import type { DataKeyCache } from './data-key-cache.js';
import { destroyKeyRows, insertKeyRow, readKeyRow, readNewestKeyRow, type DataKeyRow, type EncryptionScope } from './data-key-store.js';
import { MAX_KEY_VERSION } from './envelope.js';
import { cryptoErrors } from './errors.js';
import type { KeyEvent } from './key-event.js';
import type { KeyProvider, WrappedDataKey } from './key-provider.js';

/** An unwrapped data key. KeyObjects cannot be changed, so a cached key is never zeroed under a user. */
export interface DataKey {
  readonly version: number;
  readonly key: KeyObject;
}

/** What destroyTenantKeys reports (and what to audit). */
export interface DestroyedKeys {
  readonly tenantId: TenantId;
  /** The versions destroyed by this call; empty when none was left. */
  readonly versions: readonly number[];
  readonly destroyedAt: Date;
}

export type KeyEventHook = (event: KeyEvent, scope: EncryptionScope) => void | Promise<void>;

/**
 * The statements of the key table are constants of the library, so they take the scope's
 * unguarded path (the SQL guard refuses Tenantry's internal tables to application SQL). It
 * exists only for real scopes and transactions: an object that merely claims a tenant id is
 * refused, and every statement still runs as the app role under the scope's tenant.
 */
export function keySql(scope: EncryptionScope): SqlQueryable {
  try {
    return unguardedQuery(scope);
  } catch (cause) {
    throw cryptoErrors.create('ENCRYPTION_SCOPE_INVALID', { cause });
  }
}

/** Calls the key provider; anything it throws that is not ours means it could not do its job. */
export async function callProvider<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isTenantryError(err)) throw err;
    throw cryptoErrors.create('KEY_PROVIDER_UNAVAILABLE', { cause: err });
  }
}

export class TenantKeyring {
  constructor(
    private readonly provider: KeyProvider,
    private readonly cache: DataKeyCache,
    private readonly clock: Clock,
    private readonly onKeyEvent: KeyEventHook | undefined,
  ) {}

  /** The newest key, for encrypting. The first encryption of a tenant creates its version 1. */
  async newest(scope: EncryptionScope): Promise<DataKey> {
    return (await this.#newest(scope, 'create')) as DataKey;
  }

  /** The newest key, or undefined for a tenant that has none (nothing is created). */
  newestIfAny(scope: EncryptionScope): Promise<DataKey | undefined> {
    return this.#newest(scope, 'none');
  }

  async #newest(scope: EncryptionScope, onMissing: 'create' | 'none'): Promise<DataKey | undefined> {
    const sql = keySql(scope);
    // Two tries: when a concurrent writer creates version 1 first, its row is read instead.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const row = await readNewestKeyRow(sql, scope.tenantId);
      if (row === undefined) {
        if (onMissing === 'none') return undefined;
        const created = await this.#create(scope, sql, 1);
        if (created) return created;
        continue;
      }
      // Destroyed means shredded: no new data goes under this tenant until someone decides
      // to start a new key (rotateDataKey), which is an explicit, audited act.
      if (row.destroyedAt !== null) throw cryptoErrors.create('TENANT_KEY_DESTROYED');
      return this.#unwrap(scope.tenantId, row);
    }
    throw coreErrors.create('INTERNAL', { details: { reason: 'data key version 1 neither created nor found' } });
  }

  /** A given version, for decrypting. */
  async version(scope: EncryptionScope, version: number): Promise<DataKey> {
    const row = await readKeyRow(keySql(scope), scope.tenantId, version);
    // Unknown to this tenant: the ciphertext is another tenant's, or altered. The same error
    // as a failed tag, so that foreign and broken look alike.
    if (row === undefined) throw cryptoErrors.create('DECRYPTION_FAILED', { details: { reason: 'unknown key version' } });
    if (row.destroyedAt !== null) throw cryptoErrors.create('TENANT_KEY_DESTROYED');
    return this.#unwrap(scope.tenantId, row);
  }

  /** Starts a new version for new writes; older versions stay readable. */
  async rotate(scope: EncryptionScope): Promise<number> {
    const sql = keySql(scope);
    const seen = (await readNewestKeyRow(sql, scope.tenantId))?.version ?? 0;
    if (seen >= MAX_KEY_VERSION) throw coreErrors.create('INTERNAL', { details: { reason: 'no key version left' } });
    const created = await this.#create(scope, sql, seen + 1);
    if (created) return created.version;
    // A concurrent rotation created that version: it is newer than what we saw, which is all
    // a rotation promises.
    return (await readNewestKeyRow(sql, scope.tenantId))?.version ?? seen + 1;
  }

  /**
   * Runs a key change and its key event as one transaction whatever handle the caller passed:
   * the caller's transaction, or a new one of the caller's scope (whose statements would each
   * commit on their own — a hook that throws would find the keys already gone, or version 1
   * already made, with nothing audited and nothing left for a retry to audit).
   */
  #withEvent<T>(scope: EncryptionScope, change: (handle: EncryptionScope) => Promise<T>): Promise<T> {
    if (this.onKeyEvent === undefined || 'savepoint' in scope) return change(scope);
    return scope.transaction((tx) => change(tx));
  }

  /** Drops the wrapped key of every live version and forgets the unwrapped ones. */
  async destroy(scope: EncryptionScope): Promise<DestroyedKeys> {
    const destroyedAt = this.clock.now();
    try {
      const versions = await this.#withEvent(scope, async (handle) => {
        const destroyed = await destroyKeyRows(keySql(handle), handle.tenantId, destroyedAt);
        if (destroyed.length > 0) await this.onKeyEvent?.({ type: 'data-keys.destroyed', tenantId: handle.tenantId, versions: destroyed, at: destroyedAt }, handle);
        return destroyed;
      });
      return { tenantId: scope.tenantId, versions, destroyedAt };
    } finally {
      // Evicted whatever the outcome: if the change rolls back, the keys are simply unwrapped again.
      this.cache.evictTenant(scope.tenantId);
    }
  }

  async #create(scope: EncryptionScope, sql: SqlQueryable, version: number): Promise<DataKey | undefined> {
    const tenantId = scope.tenantId;
    const material = randomBytes(KEY_BYTES);
    try {
      const wrapped = await callProvider(() => this.provider.wrap(material, { tenantId, keyVersion: version }));
      checkWrapped(wrapped);
      const at = this.clock.now();
      const created = await this.#withEvent(scope, async (handle) => {
        const into = handle === scope ? sql : keySql(handle);
        if (!(await insertKeyRow(into, tenantId, { version, masterKeyId: wrapped.masterKeyId, wrappedKey: wrapped.wrappedKey, createdAt: at }))) return false;
        await this.onKeyEvent?.({ type: 'data-key.created', tenantId, version, masterKeyId: wrapped.masterKeyId, at }, handle);
        return true;
      });
      if (!created) return undefined;
      // Cached only once the key and its event are in: a key whose event failed is never used.
      const key = createSecretKey(material);
      this.cache.set(tenantId, version, wrapped.masterKeyId, wrapped.wrappedKey, key);
      return { version, key };
    } finally {
      material.fill(0);
    }
  }

  async #unwrap(tenantId: TenantId, row: DataKeyRow): Promise<DataKey> {
    const masterKeyId = row.masterKeyId as string;
    const wrappedKey = row.wrappedKey as Buffer;
    const cached = this.cache.get(tenantId, row.version, masterKeyId, wrappedKey);
    if (cached) return { version: row.version, key: cached };
    const material = await callProvider(() => this.provider.unwrap({ masterKeyId, wrappedKey }, { tenantId, keyVersion: row.version }));
    try {
      if (!(material instanceof Uint8Array) || material.length !== KEY_BYTES) {
        throw cryptoErrors.create('DATA_KEY_UNWRAP_FAILED', { details: { masterKeyId, keyVersion: row.version } });
      }
      const key = createSecretKey(material);
      this.cache.set(tenantId, row.version, masterKeyId, wrappedKey, key);
      return { version: row.version, key };
    } finally {
      if (material instanceof Uint8Array) material.fill(0);
    }
  }
}

/** A provider's answer must fit the key table (and be something at all). */
export function checkWrapped(wrapped: WrappedDataKey): void {
  const ok =
    typeof wrapped === 'object' && wrapped !== null &&
    typeof wrapped.masterKeyId === 'string' && wrapped.masterKeyId.length >= 1 && wrapped.masterKeyId.length <= 2048 &&
    wrapped.wrappedKey instanceof Uint8Array && wrapped.wrappedKey.length >= 1 && wrapped.wrappedKey.length <= 8192;
  if (!ok) throw cryptoErrors.create('KEY_PROVIDER_UNAVAILABLE', { details: { reason: 'the key provider returned no usable wrapped key' } });
}
