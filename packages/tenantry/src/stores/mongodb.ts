// tenantry/stores/mongodb: documents on the official `mongodb` driver (an optional peer), a
// database per tenant (`<databasePrefix><tenant id>`) or a collection per tenant in one database
// (`<collectionPrefix><tenant id>`). The name comes from the tenant context, so a query reaches
// only the current tenant's documents; purging drops the tenant's database or collection. Tenants
// on their own clusters get a client each from a bounded cache (createMongoClientCache).
import type { Collection, Db, MongoClient } from 'mongodb';
import { tryParseTenantId, type TenantId } from '../core/index.js';
import { storesErrors } from './errors.js';
import type { JsonObject } from './graph-store.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant, type StoreFinding, type TenantStore } from './tenant-store.js';

export type MongoLayout =
  | { readonly mode: 'database-per-tenant'; readonly databasePrefix: string; readonly collection?: string }
  | { readonly mode: 'collection-prefix'; readonly database: string; readonly collectionPrefix: string };

/** Where a tenant's client comes from: one shared client, or a per-tenant cache. */
export type MongoClients = MongoClient | MongoClientCache;

export interface MongoStoreOptions {
  readonly clients: MongoClients;
  readonly layout: MongoLayout;
}

interface RecordDocument {
  _id: string;
  value: JsonObject;
}

/**
 * A bounded LRU of MongoClients, one per tenant (for tenants on dedicated clusters): at most
 * `max` stay open; the least recently used idle one is closed when another is needed.
 */
export interface MongoClientCache {
  /** Runs `work` with the tenant's client, which is not closed while `work` runs. */
  use<T>(tenantId: TenantId, work: (client: MongoClient) => Promise<T>): Promise<T>;
  readonly size: number;
  close(): Promise<void>;
}

export function createMongoClientCache(options: { readonly max: number; readonly connect: (tenantId: TenantId) => Promise<MongoClient> }): MongoClientCache {
  if (!Number.isInteger(options.max) || options.max < 1) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'max is a whole number ≥ 1' } });
  const entries = new Map<TenantId, { client: Promise<MongoClient>; leases: number }>();
  async function evict(): Promise<void> {
    for (const [tenant, entry] of entries) {
      if (entries.size < options.max) return;
      if (entry.leases > 0) continue; // never close a client in use; the cache may run over until it is idle
      entries.delete(tenant);
      await (await entry.client).close();
    }
  }
  return {
    async use(tenantId, work) {
      let entry = entries.get(tenantId);
      if (entry === undefined) {
        await evict();
        entry = { client: options.connect(tenantId), leases: 0 };
        entries.set(tenantId, entry);
      } else {
        entries.delete(tenantId); // most recently used goes last
        entries.set(tenantId, entry);
      }
      entry.leases++;
      try {
        return await work(await entry.client);
      } finally {
        entry.leases--;
      }
    },
    get size() {
      return entries.size;
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map(async (e) => (await e.client).close()));
    },
  };
}

const isCache = (clients: MongoClients): clients is MongoClientCache => typeof (clients as MongoClientCache).use === 'function';

export function createMongoStore(options: MongoStoreOptions): TenantStore<JsonObject> {
  const { layout, clients } = options;
  const prefix = layout.mode === 'database-per-tenant' ? layout.databasePrefix : layout.collectionPrefix;
  if (!/^[a-z][a-z0-9_]{0,20}$/.test(prefix)) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'prefix: lowercase letters, digits and _, at most 21 characters' } });
  const collectionName = layout.mode === 'database-per-tenant' ? (layout.collection ?? 'records') : undefined;

  const withClient = <T>(tenantId: TenantId, work: (client: MongoClient) => Promise<T>): Promise<T> =>
    isCache(clients) ? clients.use(tenantId, work) : work(clients);
  const withCollection = <T>(tenantId: TenantId, work: (collection: Collection<RecordDocument>, db: Db) => Promise<T>): Promise<T> =>
    withClient(tenantId, (client) => {
      const db = layout.mode === 'database-per-tenant' ? client.db(`${prefix}${tenantId}`) : client.db(layout.database);
      const name = layout.mode === 'database-per-tenant' ? (collectionName as string) : `${prefix}${tenantId}`;
      return work(db.collection<RecordDocument>(name), db);
    });
  const checkValue = (value: JsonObject): JsonObject => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'documents are JSON objects' } });
    return value;
  };
  const upsert = (collection: Collection<RecordDocument>, key: string, value: JsonObject) =>
    collection.replaceOne({ _id: key }, { value: checkValue(value) }, { upsert: true });

  return {
    kind: 'documents',
    adapter: 'mongodb',
    async put(key, value) {
      const name = normalizeStoreKey(key);
      await withCollection(storeTenant(), (c) => upsert(c, name, value));
    },
    async get(key) {
      const name = normalizeStoreKey(key);
      const doc = await withCollection(storeTenant(), (c) => c.findOne({ _id: name }));
      return doc === null ? undefined : doc.value;
    },
    async delete(key) {
      const name = normalizeStoreKey(key);
      await withCollection(storeTenant(), (c) => c.deleteOne({ _id: name }));
    },
    async list(listPrefix) {
      const start = normalizeStorePrefix(listPrefix);
      const docs = await withCollection(storeTenant(), (c) => c.find({}, { projection: { _id: 1 } }).toArray());
      return sortKeys(docs.map((d) => d._id).filter((k) => k.startsWith(start)));
    },
    async purgeTenant(tenantId) {
      await withCollection(operatorTenant(tenantId), async (c, db) => {
        if (layout.mode === 'database-per-tenant') await db.dropDatabase();
        else await c.drop().catch((err: unknown) => {
          if ((err as { codeName?: string })?.codeName !== 'NamespaceNotFound') throw err;
        });
      });
    },
    async *exportTenant(tenantId) {
      const docs = await withCollection(operatorTenant(tenantId), (c) => c.find({}).toArray());
      for (const doc of docs) yield { key: doc._id, value: doc.value };
    },
    async importTenant(tenantId, records) {
      let count = 0;
      const tenant = operatorTenant(tenantId);
      for await (const record of recordsOf(records)) {
        const key = normalizeStoreKey(record.key);
        await withCollection(tenant, (c) => upsert(c, key, record.value));
        count++;
      }
      return count;
    },
    async verify() {
      if (isCache(clients)) return storeCheck('mongodb', []); // tenants on their own clusters: nothing shared to inspect
      const findings: StoreFinding[] = [];
      if (layout.mode === 'database-per-tenant') {
        const { databases } = await clients.db('admin').admin().listDatabases({ nameOnly: true });
        for (const { name } of databases) if (name.startsWith(prefix) && tryParseTenantId(name.slice(prefix.length)) === undefined) findings.push({ kind: 'unscoped_database', object: name });
      } else {
        const collections = await clients.db(layout.database).listCollections({}, { nameOnly: true }).toArray();
        for (const { name } of collections) if (name.startsWith(prefix) && tryParseTenantId(name.slice(prefix.length)) === undefined) findings.push({ kind: 'unscoped_collection', object: name });
      }
      return storeCheck('mongodb', findings);
    },
  };
}
