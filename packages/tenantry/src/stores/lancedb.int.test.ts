// The LanceDB adapter on a real embedded LanceDB in a temporary directory: the shared conformance
// suite, nearest-neighbour search per tenant, and the verifier check.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { lateStore, sameVectorValue, storeConformanceCases, vectorValues } from '../testing/index.js';
import { createLanceStore, type LanceTenantStore } from './lancedb.js';

const DIMENSION = 3;
let directory: string;
let connection: lancedb.Connection;
let store: LanceTenantStore;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tenantry-lancedb-'));
  connection = await lancedb.connect(directory);
  store = createLanceStore({ connection, dimension: DIMENSION });
});

afterAll(() => {
  connection?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('LanceDB store, a table per tenant', () => {
  for (const c of storeConformanceCases({ store: lateStore('lancedb', () => store), value: vectorValues(DIMENSION), equal: sameVectorValue, runs: 5, maxTenants: 4 })) it(c.name, c.run, 180_000);

  it('search returns the current tenant\'s nearest neighbours only, with L2 distances', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    await runWithTenant(a, async () => {
      await store.put('far', { vector: [10, 0, 0], metadata: { who: 'a' } });
      await store.put('near', { vector: [3, 4, 0], metadata: { who: 'a' } });
    });
    await runWithTenant(b, () => store.put('exact', { vector: [0, 0, 0], metadata: { who: 'b' } }));
    const hits = await runWithTenant(a, () => store.search([0, 0, 0], 5));
    expect(hits.map((h) => [h.key, h.distance])).toEqual([['near', 5], ['far', 10]]);
    expect(await runWithTenant(newTenantId(), () => store.search([0, 0, 0], 5))).toEqual([]);
    await store.purgeTenant(a);
    await store.purgeTenant(b);
  });

  it('the verifier finds a table under the prefix that names no tenant', async () => {
    await connection.createTable('tenant_shared', [{ key: 'x', vector: [0, 0, 0], metadata: '{}' }]);
    expect((await store.verify()).findings).toEqual([{ kind: 'unscoped_table', object: 'tenant_shared' }]);
    await connection.dropTable('tenant_shared');
    expect((await store.verify()).ok).toBe(true);
  });
});
