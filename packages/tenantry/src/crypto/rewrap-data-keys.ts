// Master-key rotation: re-wraps every tenant's live data keys with the key provider's current
// master key. The data keys do not change, so no ciphertext is touched.
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, withPoolTransaction, type SqlConnection, type SqlPool } from '../postgres/index.js';
import { checkInteger, checkKnownKeys } from './check-options.js';
import { cryptoErrors } from './errors.js';
import type { KeyEvent } from './key-event.js';
import type { KeyProvider } from './key-provider.js';
import { callProvider, checkWrapped } from './tenant-keyring.js';

export interface RewrapDataKeysOptions {
  /** Operator-role pool: rotation is cross-tenant work, done one tenant at a time under its policy. */
  readonly operator: SqlPool;
  /** Must still hold the old master keys, and wraps with its `currentKeyId`. */
  readonly keyProvider: KeyProvider;
  readonly clock?: Clock;
  /** Tenants read per page of the registry. Default 100. */
  readonly pageSize?: number;
  /** Called after each tenant's keys were re-wrapped and committed: audit it. */
  readonly onKeyEvent?: (event: KeyEvent) => void | Promise<void>;
}

export interface RewrapResult {
  /** Tenants visited (every tenant not deleted). */
  readonly tenants: number;
  /** Data keys moved to the current master key. */
  readonly rewrapped: number;
  /** Live data keys that were under the current master key already. */
  readonly alreadyCurrent: number;
}

interface LiveKey {
  version: number;
  masterKeyId: string;
  wrappedKey: Buffer;
}

async function rewrapTenant(connection: SqlConnection, tenantId: TenantId, provider: KeyProvider, at: Date): Promise<{ versions: number[]; current: number }> {
  // The operator role has no policy of its own on the key table: it enters each tenant the
  // way the app role does, transaction-locally, and sees that tenant's rows only.
  await connection.query("SELECT pg_catalog.set_config('app.tenant_id', $1, true)", [tenantId]);
  // FOR UPDATE: a concurrent destroyTenantKeys waits for us, or has already won (and its rows
  // are no longer live), so a destroyed key is never written back.
  const { rows } = await connection.query<LiveKey>(
    `SELECT version, master_key_id AS "masterKeyId", wrapped_key AS "wrappedKey" FROM tenantry.tenant_keys
      WHERE tenant_id = $1 AND destroyed_at IS NULL ORDER BY version FOR UPDATE`,
    [tenantId],
  );
  const versions: number[] = [];
  for (const row of rows.filter((r) => r.masterKeyId !== provider.currentKeyId)) {
    const context = { tenantId, keyVersion: row.version };
    const material = await callProvider(() => provider.unwrap({ masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey }, context));
    try {
      const wrapped = await callProvider(() => provider.wrap(material, context));
      checkWrapped(wrapped);
      // Unwrap the new form before it replaces the only copy: a provider that wraps with a key
      // it cannot unwrap would otherwise shred the tenant silently.
      const check = Buffer.from(await callProvider(() => provider.unwrap(wrapped, context)));
      const same = check.equals(Buffer.from(material));
      check.fill(0);
      if (!same) throw cryptoErrors.create('DATA_KEY_UNWRAP_FAILED', { details: { masterKeyId: wrapped.masterKeyId, keyVersion: row.version } });
      await connection.query(
        'UPDATE tenantry.tenant_keys SET master_key_id = $3, wrapped_key = $4, rewrapped_at = $5 WHERE tenant_id = $1 AND version = $2',
        [tenantId, row.version, wrapped.masterKeyId, Buffer.from(wrapped.wrappedKey), at],
      );
      versions.push(row.version);
    } finally {
      material.fill(0);
    }
  }
  return { versions, current: rows.length - versions.length };
}

/**
 * Re-wraps every live data key of every tenant not deleted with the provider's current
 * master key, one short transaction per tenant. Data is not touched, and re-running it skips
 * what is done (so an interrupted run is simply started again). Once it has run, the old
 * master key can be removed from the provider; keys of deleted tenants are left behind on
 * purpose, so retiring the old master key shreds any that a purge missed.
 *
 * @example
 * const keyProvider = localKeyProvider({ keys: { '2024': oldKey, '2025': newKey }, current: '2025' });
 * const { rewrapped } = await rewrapDataKeys({ operator: operatorPool, keyProvider });
 */
export async function rewrapDataKeys(options: RewrapDataKeysOptions): Promise<RewrapResult> {
  checkKnownKeys(options, ['operator', 'keyProvider', 'clock', 'pageSize', 'onKeyEvent'], '');
  const { operator, keyProvider } = options;
  if (typeof keyProvider?.currentKeyId !== 'string') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'keyProvider', reason: 'must implement KeyProvider' } });
  const clock = options.clock ?? systemClock;
  const pageSize = checkInteger(options.pageSize ?? 100, 1, 10_000, 'pageSize');
  let tenants = 0;
  let rewrapped = 0;
  let alreadyCurrent = 0;
  let after: string | null = null;
  for (;;) {
    const { rows: page }: { rows: { id: TenantId }[] } = await operator
      .query<{ id: TenantId }>(
        `SELECT id FROM tenantry.tenants WHERE status <> 'deleted' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
        [after, pageSize],
      )
      .catch((err: unknown) => { throw toTenantryError(err); });
    for (const { id } of page) {
      const at = clock.now();
      const outcome = await withPoolTransaction(operator, (connection) => rewrapTenant(connection, id, keyProvider, at));
      tenants += 1;
      rewrapped += outcome.versions.length;
      alreadyCurrent += outcome.current;
      if (outcome.versions.length > 0) {
        await options.onKeyEvent?.({ type: 'data-keys.rewrapped', tenantId: id, versions: outcome.versions, masterKeyId: keyProvider.currentKeyId, at });
      }
    }
    if (page.length < pageSize) break;
    after = (page[page.length - 1] as { id: TenantId }).id;
  }
  return { tenants, rewrapped, alreadyCurrent };
}
