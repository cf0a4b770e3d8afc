// The Weaviate adapter against a real server where WEAVIATE_URL names one (1.25 or newer, with
// multi-tenancy); skipped, saying so, elsewhere (no Weaviate server installs here). What needs no
// server — the key → object id mapping and the refusals made before any request — runs everywhere.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { codeOf, expectCode, lateStore, sameVectorValue, storeConformanceCases, vectorSearchCases, vectorValues } from '../testing/index.js';
import { createWeaviateStore, weaviateObjectId, type WeaviateTenantStore } from './weaviate.js';

const url = inject('weaviateUrl');
const DIMENSION = 3;
const collection = `TenantryTest${Date.now().toString(36)}`;

describe('Weaviate store without a server', () => {
  it('maps each key to one RFC 9562 version-5 object id, distinct for distinct keys', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(weaviateObjectId(a)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(weaviateObjectId(a)).toBe(weaviateObjectId(a));
        if (a !== b) expect(weaviateObjectId(a)).not.toBe(weaviateObjectId(b));
      }),
    );
  });

  it('refuses bad options, and work without a tenant or with a bad key, before any request', async () => {
    let requests = 0;
    const counting = (() => {
      requests += 1;
      return Promise.reject(new Error('no server here'));
    }) as typeof fetch;
    expect(codeOf(() => createWeaviateStore({ url: 'http://127.0.0.1:9', dimension: 3, collection: 'lower' }))).toBe('STORE_NAME_INVALID');
    expect(codeOf(() => createWeaviateStore({ url: 'ftp://x', dimension: 3 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => createWeaviateStore({ url: 'http://x', dimension: 3, tenant: 'a' } as never))).toBe('CONFIG_INVALID');
    const store = createWeaviateStore({ url: 'http://127.0.0.1:9', dimension: 3, fetch: counting });
    await expectCode(() => store.put('a', { vector: [1, 2, 3], metadata: {} }), 'TENANT_CONTEXT_MISSING');
    await expectCode(() => store.search([1, 2, 3], 1), 'TENANT_CONTEXT_MISSING');
    await runWithTenant(newTenantId(), async () => {
      await expectCode(() => store.get('../x'), 'STORE_KEY_INVALID');
      await expectCode(() => store.put('a', { vector: [1, 2], metadata: {} }), 'STORE_VALUE_INVALID');
    });
    expect(requests).toBe(0);
    // A backend that cannot be reached is a retryable failure, not a silent empty answer.
    await runWithTenant(newTenantId(), () => expectCode(() => store.get('a'), 'STORE_BACKEND_UNAVAILABLE'));
  });
});

describe.skipIf(!url)(`Weaviate vector store${url ? '' : ' (SKIPPED: set WEAVIATE_URL to run the Weaviate suite)'}`, () => {
  let store: WeaviateTenantStore;
  beforeAll(async () => {
    store = createWeaviateStore({ url, dimension: DIMENSION, collection });
    await store.ensureCollection();
  });
  afterAll(async () => {
    if (url) await fetch(`${url.replace(/\/+$/, '')}/v1/schema/${collection}`, { method: 'DELETE' });
  });

  for (const c of storeConformanceCases({ store: lateStore('weaviate', () => store), value: vectorValues(DIMENSION), equal: sameVectorValue, runs: 4, maxTenants: 4, maxOps: 12 })) it(c.name, c.run, 180_000);

  for (const c of vectorSearchCases({ store: lateStore('weaviate', () => store), dimension: DIMENSION, newTenant: () => Promise.resolve(newTenantId()) })) it(c.name, c.run, 60_000);

  it('reports L2 distances, as pgvector and LanceDB do', async () => {
    const a = newTenantId();
    await runWithTenant(a, () => store.put('one', { vector: [1, 1, 1], metadata: {} }));
    expect((await runWithTenant(a, () => store.search([0, 0, 0], 1)))[0]?.distance).toBeCloseTo(Math.sqrt(3), 4);
    await store.purgeTenant(a);
  });

  it('Weaviate itself refuses a request on the collection that names no tenant', async () => {
    const response = await fetch(`${url.replace(/\/+$/, '')}/v1/objects?class=${collection}&limit=1`);
    expect(response.status).toBe(422);
  });
});
