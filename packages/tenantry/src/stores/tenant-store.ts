// The face every tenant store shows, whatever its backend: reads and writes act for the tenant in
// the async context (and fail closed without one), while the tenant-wide operations (purge,
// export, import) name their tenant, as work outside a request must (docs/isolation-rules.md,
// rule 17).
import { currentTenant, requireTenant, type TenantId } from '../core/index.js';
import { storesErrors } from './errors.js';

/** The kinds of store Tenantry isolates beyond PostgreSQL tables. */
export type StoreKind = 'objects' | 'vectors' | 'graph' | 'documents';

/** One record of a tenant, as export yields it and import takes it. */
export interface StoreRecord<V> {
  readonly key: string;
  readonly value: V;
}

/** What a store's verifier check found: `ok` exactly when there are no findings. */
export interface StoreCheck {
  readonly store: string;
  readonly ok: boolean;
  readonly findings: readonly StoreFinding[];
}

export interface StoreFinding {
  /** A stable word: `unscoped_object`, `rls_not_forced`, `untagged_node`, … (docs/stores.md). */
  readonly kind: string;
  /** The object concerned (a key, a table, a label); never another tenant's data. */
  readonly object: string;
}

/**
 * A store of one kind, isolated per tenant. `put`, `get`, `delete` and `list` act for the tenant
 * in context (`TENANT_CONTEXT_MISSING` without one); `purgeTenant`, `exportTenant` and
 * `importTenant` name their tenant and refuse one that differs from a tenant in context.
 */
export interface TenantStore<V> {
  readonly kind: StoreKind;
  /** The adapter's name: `s3`, `kuzu`, `neo4j`, `pgvector`, `lancedb`, `mongodb`. */
  readonly adapter: string;
  put(key: string, value: V): Promise<void>;
  get(key: string): Promise<V | undefined>;
  delete(key: string): Promise<void>;
  /** The current tenant's keys that start with `prefix`, sorted by UTF-16 code units. */
  list(prefix?: string): Promise<string[]>;
  /** Removes every record of `tenantId`; the others are untouched. */
  purgeTenant(tenantId: TenantId): Promise<void>;
  /** Every record of `tenantId`, as a stream (for the portability archive). */
  exportTenant(tenantId: TenantId): AsyncIterable<StoreRecord<V>>;
  /** Writes `records` for `tenantId` (an existing key is overwritten); resolves to the count. */
  importTenant(tenantId: TenantId, records: AsyncIterable<StoreRecord<V>> | Iterable<StoreRecord<V>>): Promise<number>;
  /** The verifier check: is the backend laid out so that isolation holds? */
  verify(): Promise<StoreCheck>;
}

/**
 * What a store asks before it stores more bytes for a tenant: the shape `storageQuota` of
 * tenantry/quota gives (declared here so stores depend on the shape, not on the quota capability).
 */
export interface StoreQuota {
  /**
   * Runs `write` once the tenant may hold `requestedBytes` more on top of `usedBytes()`; throws
   * QUOTA_EXCEEDED (and never calls `write`) when that would pass its hard limit.
   */
  admitWrite<T>(tenantId: TenantId, requestedBytes: number, usedBytes: () => Promise<number>, write: () => Promise<T>): Promise<T>;
}

/** The tenant a read or write acts for: the one in context, or `TENANT_CONTEXT_MISSING`. */
export function storeTenant(): TenantId {
  return requireTenant().tenantId;
}

/**
 * The tenant a tenant-wide operation acts for: `tenantId`, unless a different tenant is in
 * context (purging tenant B from inside tenant A's request is a bug, never a feature).
 */
export function operatorTenant(tenantId: TenantId): TenantId {
  const inContext = currentTenant();
  if (inContext !== undefined && inContext.tenantId !== tenantId) throw storesErrors.create('STORE_TENANT_MISMATCH');
  return tenantId;
}

/** A check result from its findings. */
export function storeCheck(store: string, findings: readonly StoreFinding[]): StoreCheck {
  return { store, ok: findings.length === 0, findings };
}

/** Sorts keys the way `list` promises (code units, like S3 and most B-trees). */
export function sortKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Lets import take arrays and async streams alike. */
export async function* recordsOf<V>(records: AsyncIterable<StoreRecord<V>> | Iterable<StoreRecord<V>>): AsyncIterable<StoreRecord<V>> {
  yield* records;
}
