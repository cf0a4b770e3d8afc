// The MongoDB adapter against a real server where MONGODB_URL names one; skipped, saying so,
// elsewhere (no MongoDB server installs here: its test servers download binaries at run time).
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { lateStore, storeConformanceCases } from '../testing/index.js';
import type { JsonObject } from './graph-store.js';
import { createMongoClientCache, createMongoStore } from './mongodb.js';

const url = inject('mongodbUrl');
let client: MongoClient;

const json = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4, noNullPrototype: true }) as fc.Arbitrary<JsonObject>;

describe.skipIf(!url)(`MongoDB document store${url ? '' : ' (SKIPPED: set MONGODB_URL to run the MongoDB suite)'}`, () => {
  beforeAll(async () => {
    client = await new MongoClient(url).connect();
  });
  afterAll(async () => client?.close());

  describe('a database per tenant', () => {
    for (const c of storeConformanceCases({ store: lateStore('mongodb', () => createMongoStore({ clients: client, layout: { mode: 'database-per-tenant', databasePrefix: 'tnt_' } })), value: json, runs: 5 })) it(c.name, c.run);
  });
  describe('a collection per tenant', () => {
    for (const c of storeConformanceCases({ store: lateStore('mongodb (collections)', () => createMongoStore({ clients: client, layout: { mode: 'collection-prefix', database: 'tenantry_test', collectionPrefix: 'docs_' } })), value: json, runs: 5 })) it(c.name, c.run);
  });

  it('the client cache stays within its bound and never closes a client in use', async () => {
    const cache = createMongoClientCache({ max: 2, connect: () => new MongoClient(url).connect() });
    const store = createMongoStore({ clients: cache, layout: { mode: 'database-per-tenant', databasePrefix: 'tnc_' } });
    const tenants = [newTenantId(), newTenantId(), newTenantId()];
    for (const t of tenants) await runWithTenant(t, () => store.put('k', { t }));
    expect(cache.size).toBeLessThanOrEqual(2);
    for (const t of tenants) expect(await runWithTenant(t, () => store.get('k'))).toEqual({ t });
    for (const t of tenants) await store.purgeTenant(t);
    await cache.close();
  });
});
