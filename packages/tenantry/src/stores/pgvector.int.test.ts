// pgvector in the pooled tier, on PGlite with its bundled `vector` extension (one instance for the
// file: PGlite is one session per process and slow to start). The table is laid out by
// pgvectorSchema, and every operation runs as a non-superuser app role in a transaction that sets
// app.tenant_id, as the pooled tier does, so the isolation under test is PostgreSQL's RLS.
import { isDeepStrictEqual } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { TENANT_PREDICATE } from '../postgres/index.js';
import { lateStore, storeConformanceCases } from '../testing/index.js';
import { createPgvectorStore, PGVECTOR_TENANT_PREDICATE, pgliteVectorClient, pgvectorSchema, type PgvectorTenantStore } from './pgvector.js';
import type { VectorValue } from './vector-value.js';

const DIMENSION = 3;
let db: PGlite;
let store: PgvectorTenantStore;

beforeAll(async () => {
  db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE ROLE tenantry_app NOLOGIN');
  for (const statement of pgvectorSchema({ table: 'embeddings', dimension: DIMENSION, appRole: 'tenantry_app' })) await db.exec(statement);
  store = createPgvectorStore({ client: pgliteVectorClient(db), table: 'embeddings', dimension: DIMENSION, role: 'tenantry_app' });
}, 300_000); // PGlite runs initdb in WebAssembly: seconds alone, minutes on a crowded machine

afterAll(async () => db?.close());

/** float4-exact numbers, so a round trip through vector(3) is lossless. */
export const vectorValue: fc.Arbitrary<VectorValue> = fc.record({
  vector: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: DIMENSION, maxLength: DIMENSION }),
  metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()), { maxKeys: 3, noNullPrototype: true }),
});
/** Equal as float4 (PostgreSQL prints the shortest text that reads back as the same float4). */
export const sameVector = (a: VectorValue, b: VectorValue) =>
  a.vector.length === b.vector.length && a.vector.every((x, i) => Math.fround(x) === Math.fround(b.vector[i] as number)) && isDeepStrictEqual(a.metadata, b.metadata);

describe('pgvector store on PGlite', () => {
  for (const c of storeConformanceCases({ store: lateStore('pgvector', () => store), value: vectorValue, equal: sameVector, runs: 4, maxTenants: 4, maxOps: 12 })) it(c.name, c.run, 180_000);

  it('uses the pooled tier\'s policy word for word', () => {
    expect(PGVECTOR_TENANT_PREDICATE).toBe(TENANT_PREDICATE);
  });

  it('search returns the current tenant\'s nearest neighbours only, however close another tenant\'s are', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    await runWithTenant(a, async () => {
      await store.put('far', { vector: [10, 10, 10], metadata: { who: 'a' } });
      await store.put('near', { vector: [1, 1, 1], metadata: { who: 'a' } });
    });
    await runWithTenant(b, () => store.put('exact', { vector: [0, 0, 0], metadata: { who: 'b' } }));
    const hits = await runWithTenant(a, () => store.search([0, 0, 0], 5));
    expect(hits.map((h) => h.key)).toEqual(['near', 'far']);
    expect(hits.every((h) => h.metadata.who === 'a')).toBe(true);
    await runWithTenant(a, async () => expect(store.search([0, 0], 1)).rejects.toMatchObject({ code: 'STORE_VALUE_INVALID' }));
    await store.purgeTenant(a);
    await store.purgeTenant(b);
  });

  it('the database refuses what the adapter never sends: no tenant set reads nothing, another tenant\'s row cannot be written', async () => {
    const a = newTenantId();
    await runWithTenant(a, () => store.put('k', { vector: [1, 2, 3], metadata: {} }));
    const unset = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE tenantry_app');
      return (await tx.query('SELECT count(*)::int AS c FROM embeddings')).rows;
    });
    expect(unset).toEqual([{ c: 0 }]);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL ROLE tenantry_app');
        await tx.query("SELECT set_config('app.tenant_id', $1, true)", [newTenantId()]);
        await tx.query("INSERT INTO embeddings (tenant_id, key, embedding) VALUES ($1, 'x', '[0,0,0]')", [a]);
      }),
    ).rejects.toThrow(/row-level security/);
    await store.purgeTenant(a);
  });

  it('the verifier reports a table without forced RLS, and a role that bypasses it', async () => {
    await db.exec('ALTER TABLE embeddings NO FORCE ROW LEVEL SECURITY');
    const owner = createPgvectorStore({ client: pgliteVectorClient(db), table: 'embeddings', dimension: DIMENSION });
    expect((await owner.verify()).findings.map((f) => f.kind).sort()).toEqual(['rls_not_forced', 'role_bypasses_rls']);
    await db.exec('ALTER TABLE embeddings FORCE ROW LEVEL SECURITY');
    expect((await store.verify()).ok).toBe(true);
  });
});
