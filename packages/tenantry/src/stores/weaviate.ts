// tenantry/stores/weaviate: embeddings in Weaviate with its native multi-tenancy: one collection
// with `multiTenancyConfig.enabled`, a Weaviate tenant (its own shard) per Tenantry tenant, named
// by the tenant id. Every request names its Weaviate tenant from the tenant context, and Weaviate
// refuses a request on a multi-tenant collection that names none, so a query can only reach the
// current tenant's shard; purging a tenant deletes its shard. Talks to Weaviate's REST API with
// `fetch` (no client package): the handful of endpoints used are listed in docs/stores.md.
import { createHash } from 'node:crypto';
import { coreErrors, tryParseTenantId, type TenantId } from '../core/index.js';
import { storesErrors } from './errors.js';
import type { JsonObject } from './graph-store.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant, type StoreFinding, type TenantStore } from './tenant-store.js';
import { checkK, checkVector, checkVectorValue, type VectorHit, type VectorValue } from './vector-value.js';

export type { VectorHit, VectorValue } from './vector-value.js';

export interface WeaviateStoreOptions {
  /** Weaviate's HTTP address, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly dimension: number;
  /** The multi-tenant collection (class) name; default `TenantryVectors`. */
  readonly collection?: string;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly apiKey?: string;
  /** Deadline of each request (default 10 000 ms); past it the store throws STORE_BACKEND_UNAVAILABLE. */
  readonly timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

export interface WeaviateTenantStore extends TenantStore<VectorValue> {
  /** The current tenant's `k` nearest neighbours of `vector` (L2 distance, like pgvector's `<->`). */
  search(vector: readonly number[], k: number): Promise<VectorHit[]>;
  /** Creates the multi-tenant collection if it is missing (run once, at deploy). */
  ensureCollection(): Promise<void>;
}

const COLLECTION = /^[A-Z][A-Za-z0-9_]{0,99}$/;
const KNOWN = ['url', 'dimension', 'collection', 'apiKey', 'timeoutMs', 'fetch'];
/** Keys are hashed into object ids under this namespace (a UUID v5 namespace of our own). */
const KEY_NAMESPACE = Buffer.from('6d1c0b52a4f34f0c9a3e1f0e2b7c9d41', 'hex');

/**
 * The object id of a key: a UUID v5 of the key (RFC 9562 §5.5), so a key maps to one object in
 * every tenant's shard and a put overwrites. Shards are per tenant, so equal ids never meet.
 */
export function weaviateObjectId(key: string): string {
  const hash = createHash('sha1').update(KEY_NAMESPACE).update(key, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface WeaviateObject {
  readonly id: string;
  readonly properties?: { key?: string; metadata?: string };
  readonly vector?: number[];
}

/** Weaviate answers a request for a tenant it does not have with 422/404 naming the tenant. */
const tenantMissing = (status: number, body: string) => (status === 422 || status === 404) && /tenant/i.test(body) && /not found|does not exist|no tenant/i.test(body);

/**
 * @example
 * const vectors = createWeaviateStore({ url: process.env.WEAVIATE_URL, dimension: 384 });
 * await vectors.ensureCollection();
 * await runWithTenant(tenantId, () => vectors.search(queryEmbedding, 10));
 */
export function createWeaviateStore(options: WeaviateStoreOptions): WeaviateTenantStore {
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: key, reason: 'unknown option' } });
  const collection = options.collection ?? 'TenantryVectors';
  if (!COLLECTION.test(collection)) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'collection: a capital letter, then letters, digits or _' } });
  if (!Number.isInteger(options.dimension) || options.dimension < 1) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'dimension' } });
  const { dimension } = options;
  if (typeof options.url !== 'string' || !/^https?:\/\/[^/]/.test(options.url)) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'url', reason: 'an http(s) URL' } });
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  const knownTenants = new Set<TenantId>();

  /** One request within the deadline; a network failure or a 5xx is STORE_BACKEND_UNAVAILABLE (retryable). */
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw storesErrors.create('STORE_BACKEND_UNAVAILABLE', { details: { backend: 'weaviate' }, cause });
    }
    const text = await response.text();
    if (response.status >= 500) throw storesErrors.create('STORE_BACKEND_UNAVAILABLE', { details: { backend: 'weaviate', status: response.status } });
    return { status: response.status, text };
  }

  /** A request that must succeed (2xx); anything else is a backend failure, its body kept as cause only. */
  async function expectOk(method: string, path: string, body?: unknown): Promise<string> {
    const { status, text } = await call(method, path, body);
    if (status < 200 || status > 299) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
    return text;
  }

  const objectPath = (tenant: TenantId, key: string) => `/v1/objects/${collection}/${weaviateObjectId(key)}?tenant=${tenant}`;

  async function ensureTenant(tenant: TenantId): Promise<void> {
    if (knownTenants.has(tenant)) return;
    const { status, text } = await call('POST', `/v1/schema/${collection}/tenants`, [{ name: tenant }]);
    if ((status < 200 || status > 299) && !/already exists/i.test(text)) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
    knownTenants.add(tenant);
  }

  async function write(tenant: TenantId, records: readonly { key: string; value: VectorValue }[]): Promise<void> {
    if (records.length === 0) return;
    await ensureTenant(tenant);
    // The batch endpoint upserts by id (POST /v1/objects refuses an existing id).
    for (let i = 0; i < records.length; i += 100) {
      const objects = records.slice(i, i + 100).map(({ key, value }) => ({
        class: collection,
        id: weaviateObjectId(key),
        tenant,
        vector: [...checkVectorValue(value, dimension).vector],
        properties: { key, metadata: JSON.stringify(value.metadata) },
      }));
      const results = JSON.parse(await expectOk('POST', '/v1/batch/objects', { objects })) as { result?: { errors?: unknown } }[];
      const failed = results.find((r) => r.result?.errors !== undefined && r.result.errors !== null);
      if (failed !== undefined) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status: 200 }, cause: new Error(JSON.stringify(failed.result?.errors)) });
    }
  }

  async function* objects(tenant: TenantId, withVector: boolean): AsyncIterable<WeaviateObject> {
    let after: string | undefined;
    for (;;) {
      const query = `class=${collection}&tenant=${tenant}&limit=100${withVector ? '&include=vector' : ''}${after === undefined ? '' : `&after=${after}`}`;
      const { status, text } = await call('GET', `/v1/objects?${query}`);
      if (tenantMissing(status, text)) return;
      if (status !== 200) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
      const page = (JSON.parse(text) as { objects?: WeaviateObject[] }).objects ?? [];
      yield* page;
      if (page.length < 100) return;
      after = page.at(-1)?.id;
    }
  }

  const valueOf = (o: WeaviateObject): VectorValue => ({ vector: o.vector ?? [], metadata: JSON.parse(o.properties?.metadata ?? '{}') as JsonObject });

  return {
    kind: 'vectors',
    adapter: 'weaviate',
    async ensureCollection() {
      const { status } = await call('GET', `/v1/schema/${collection}`);
      if (status === 200) return;
      await expectOk('POST', '/v1/schema', {
        class: collection,
        vectorizer: 'none',
        // Squared L2, reported as its square root: the same distance as pgvector's <-> and LanceDB's.
        vectorIndexConfig: { distance: 'l2-squared' },
        multiTenancyConfig: { enabled: true },
        properties: [
          { name: 'key', dataType: ['text'], tokenization: 'field' },
          { name: 'metadata', dataType: ['text'], indexFilterable: false, indexSearchable: false },
        ],
      });
    },
    async put(key, value) {
      const tenant = storeTenant();
      await write(tenant, [{ key: normalizeStoreKey(key), value: checkVectorValue(value, dimension) }]);
    },
    async get(key) {
      const tenant = storeTenant();
      const { status, text } = await call('GET', `${objectPath(tenant, normalizeStoreKey(key))}&include=vector`);
      if (status === 404 || tenantMissing(status, text)) return undefined;
      if (status !== 200) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
      return valueOf(JSON.parse(text) as WeaviateObject);
    },
    async delete(key) {
      const tenant = storeTenant();
      const { status, text } = await call('DELETE', objectPath(tenant, normalizeStoreKey(key)));
      if (status !== 204 && status !== 200 && status !== 404 && !tenantMissing(status, text)) {
        throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
      }
    },
    async list(prefix) {
      const tenant = storeTenant();
      const start = normalizeStorePrefix(prefix);
      const keys: string[] = [];
      for await (const o of objects(tenant, false)) if (o.properties?.key?.startsWith(start) === true) keys.push(o.properties.key);
      return sortKeys(keys);
    },
    async search(vector, k) {
      const tenant = storeTenant();
      checkVector(vector, dimension);
      checkK(k);
      // Every value in the query is ours: the tenant id (a UUID), numbers and the collection name.
      const query = `{ Get { ${collection}(tenant: "${tenant}", nearVector: { vector: [${vector.join(',')}] }, limit: ${k}) { key metadata _additional { distance } } } }`;
      const { status, text } = await call('POST', '/v1/graphql', { query });
      if (status !== 200) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
      const body = JSON.parse(text) as { data?: { Get?: Record<string, { key: string; metadata: string; _additional: { distance: number } }[] | null> }; errors?: { message: string }[] };
      if (body.errors !== undefined && body.errors.length > 0) {
        if (body.errors.every((e) => tenantMissing(422, e.message))) return [];
        throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(JSON.stringify(body.errors)) });
      }
      const hits = body.data?.Get?.[collection] ?? [];
      return hits.map((h) => ({ key: h.key, distance: Math.sqrt(Number(h._additional.distance)), metadata: JSON.parse(h.metadata) as JsonObject }));
    },
    async purgeTenant(tenantId) {
      const tenant = operatorTenant(tenantId);
      knownTenants.delete(tenant);
      const { status, text } = await call('DELETE', `/v1/schema/${collection}/tenants`, [tenant]);
      if ((status < 200 || status > 299) && !tenantMissing(status, text)) throw storesErrors.create('STORE_BACKEND_FAILED', { details: { backend: 'weaviate', status }, cause: new Error(text) });
    },
    async *exportTenant(tenantId) {
      for await (const o of objects(operatorTenant(tenantId), true)) if (o.properties?.key !== undefined) yield { key: o.properties.key, value: valueOf(o) };
    },
    async importTenant(tenantId, records) {
      const tenant = operatorTenant(tenantId);
      const all: { key: string; value: VectorValue }[] = [];
      for await (const record of recordsOf(records)) all.push({ key: normalizeStoreKey(record.key), value: checkVectorValue(record.value, dimension) });
      await write(tenant, all);
      return all.length;
    },
    async verify() {
      const { status, text } = await call('GET', `/v1/schema/${collection}`);
      if (status !== 200) return storeCheck('weaviate', [{ kind: 'collection_missing', object: collection }]);
      const findings: StoreFinding[] = [];
      const schema = JSON.parse(text) as { multiTenancyConfig?: { enabled?: boolean; autoTenantCreation?: boolean } };
      if (schema.multiTenancyConfig?.enabled !== true) findings.push({ kind: 'multi_tenancy_disabled', object: collection });
      else {
        const tenants = JSON.parse(await expectOk('GET', `/v1/schema/${collection}/tenants`)) as { name: string }[];
        for (const t of tenants) if (tryParseTenantId(t.name) === undefined) findings.push({ kind: 'unscoped_tenant', object: t.name });
      }
      return storeCheck('weaviate', findings);
    },
  };
}
