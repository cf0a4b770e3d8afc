// tenantry/stores/lancedb: embeddings in LanceDB (`@lancedb/lancedb`, an optional peer), one table
// per tenant (`<tablePrefix><tenant id>`): the table name comes from the tenant context, so a
// query can only ever reach the current tenant's table, and purging a tenant drops its table.
import type { Connection, Table } from '@lancedb/lancedb';
import { tryParseTenantId, type TenantId } from '../core/index.js';
import { storesErrors } from './errors.js';
import type { JsonObject } from './graph-store.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant, type StoreFinding, type TenantStore } from './tenant-store.js';
import { checkK, checkVector, checkVectorValue, type VectorHit, type VectorValue } from './vector-value.js';

export type { VectorHit, VectorValue } from './vector-value.js';

export interface LanceStoreOptions {
  readonly connection: Connection;
  readonly dimension: number;
  /** Tables are named `<tablePrefix><tenant id>` (default `tenant_`). */
  readonly tablePrefix?: string;
}

export interface LanceTenantStore extends TenantStore<VectorValue> {
  /** The current tenant's `k` nearest neighbours of `vector` (L2 distance). */
  search(vector: readonly number[], k: number): Promise<VectorHit[]>;
}

interface Row {
  key: string;
  vector: number[];
  metadata: string;
}

/** A string literal for Lance's SQL filters (isolation never rests on it: the table is the tenant's). */
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * @example
 * const vectors = createLanceStore({ connection: await lancedb.connect('./vectors'), dimension: 384 });
 */
export function createLanceStore(options: LanceStoreOptions): LanceTenantStore {
  const { connection, dimension } = options;
  const prefix = options.tablePrefix ?? 'tenant_';
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'tablePrefix' } });
  const tableName = (tenantId: TenantId) => `${prefix}${tenantId}`;
  const open = new Map<string, Table>();

  async function table(tenantId: TenantId): Promise<Table | undefined> {
    const name = tableName(tenantId);
    const cached = open.get(name);
    if (cached !== undefined) return cached;
    try {
      const opened = await connection.openTable(name);
      open.set(name, opened);
      return opened;
    } catch (err) {
      if (/not found|does not exist|was not found/i.test(String((err as Error)?.message))) return undefined;
      throw err;
    }
  }

  async function write(tenantId: TenantId, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const existing = await table(tenantId);
    if (existing === undefined) {
      const created = await connection.createTable(tableName(tenantId), rows.slice(0, 1) as unknown as Record<string, unknown>[]);
      open.set(tableName(tenantId), created);
      if (rows.length > 1) await write(tenantId, rows.slice(1));
      return;
    }
    await existing.mergeInsert('key').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows as unknown as Record<string, unknown>[]);
  }

  const row = (key: string, value: VectorValue): Row => ({ key, vector: [...checkVectorValue(value, dimension).vector], metadata: JSON.stringify(value.metadata) });
  const value = (r: Record<string, unknown>): VectorValue => ({ vector: Array.from(r.vector as Iterable<number>), metadata: JSON.parse(String(r.metadata)) as JsonObject });

  async function allRows(tenantId: TenantId): Promise<Record<string, unknown>[]> {
    const t = await table(tenantId);
    return t === undefined ? [] : ((await t.query().toArray()) as Record<string, unknown>[]);
  }

  return {
    kind: 'vectors',
    adapter: 'lancedb',
    async put(key, v) {
      const tenant = storeTenant();
      await write(tenant, [row(normalizeStoreKey(key), v)]);
    },
    async get(key) {
      const tenant = storeTenant();
      const name = normalizeStoreKey(key);
      const t = await table(tenant);
      if (t === undefined) return undefined;
      const rows = (await t.query().where(`key = ${quote(name)}`).limit(1).toArray()) as Record<string, unknown>[];
      return rows[0] === undefined ? undefined : value(rows[0]);
    },
    async delete(key) {
      const tenant = storeTenant();
      const name = normalizeStoreKey(key);
      await (await table(tenant))?.delete(`key = ${quote(name)}`);
    },
    async list(listPrefix) {
      const tenant = storeTenant();
      const start = normalizeStorePrefix(listPrefix);
      const t = await table(tenant);
      if (t === undefined) return [];
      const rows = (await t.query().select(['key']).toArray()) as Record<string, unknown>[];
      return sortKeys(rows.map((r) => String(r.key)).filter((k) => k.startsWith(start)));
    },
    async search(vector, k) {
      const tenant = storeTenant();
      checkVector(vector, dimension);
      checkK(k);
      const t = await table(tenant);
      if (t === undefined) return [];
      const rows = await t.search([...vector]).limit(k).toArray();
      // Lance reports squared L2; pgvector's <-> is L2: one meaning for both stores.
      return (rows as Record<string, unknown>[]).map((r) => ({ key: String(r.key), distance: Math.sqrt(Number(r._distance)), metadata: JSON.parse(String(r.metadata)) as JsonObject }));
    },
    async purgeTenant(tenantId) {
      const name = tableName(operatorTenant(tenantId));
      open.delete(name);
      if ((await connection.tableNames()).includes(name)) await connection.dropTable(name);
    },
    async *exportTenant(tenantId) {
      for (const r of await allRows(operatorTenant(tenantId))) yield { key: String(r.key), value: value(r) };
    },
    async importTenant(tenantId, records) {
      const tenant = operatorTenant(tenantId);
      const rows: Row[] = [];
      for await (const record of recordsOf(records)) rows.push(row(normalizeStoreKey(record.key), record.value));
      await write(tenant, rows);
      return rows.length;
    },
    async verify() {
      const findings: StoreFinding[] = [];
      for (const name of await connection.tableNames()) {
        if (name.startsWith(prefix) && tryParseTenantId(name.slice(prefix.length)) === undefined) findings.push({ kind: 'unscoped_table', object: name });
      }
      return storeCheck('lancedb', findings);
    },
  };
}
