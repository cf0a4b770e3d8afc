// A tenant store's bytes as a quota meter: before a store writes, the tenant's stored bytes are
// counted and admitted against the plan's hard limit on a `level` meter (default `storageBytes`),
// the way seats are (Quotas.admitLevel). The write runs inside the same tenant transaction, which
// holds the meter's row lock, so two writes of one tenant cannot both pass the limit.
import { coreErrors, type TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import type { Quotas } from './quotas.js';

export interface StorageQuotaOptions {
  readonly quotas: Quotas;
  /** The app-role tenant database the quota tables are read through. */
  readonly database: Pick<TenantDatabase, 'transaction'>;
  /** A `level` meter of the catalog (default `storageBytes`). */
  readonly meter?: string;
}

/** What `createS3Store({ quota })` (and any store with a `StoreQuota` option) takes. */
export interface StorageQuota {
  admitWrite<T>(tenantId: TenantId, requestedBytes: number, usedBytes: () => Promise<number>, write: () => Promise<T>): Promise<T>;
}

/**
 * @example
 * const files = createS3Store({ client, layout, quota: storageQuota({ quotas, database: db }) });
 * await runWithTenant(tenantId, () => files.put('a.pdf', bytes)); // QUOTA_EXCEEDED past the plan's limit
 */
export function storageQuota(options: StorageQuotaOptions): StorageQuota {
  const meter = options.meter ?? 'storageBytes';
  const definition = options.quotas.catalog.meter(meter);
  if (definition.kind !== 'level') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'meter', reason: `${meter} is a ${definition.kind} meter; stored bytes are a level` } });
  return {
    admitWrite: (tenantId, requestedBytes, usedBytes, write) =>
      options.database.transaction(tenantId, async (tx) => {
        await options.quotas.admitLevel(tx, meter, usedBytes, requestedBytes);
        // Written while the meter's row is locked: a concurrent write of this tenant waits, then counts these bytes.
        return write();
      }),
  };
}
