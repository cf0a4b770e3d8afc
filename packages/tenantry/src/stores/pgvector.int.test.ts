// pgvector in the pooled tier, on PGlite with its bundled `vector` extension (one instance for the
// file: PGlite is one session per process and slow to start), migrated with Tenantry's own
// migrations. The table is laid out by pgvectorSchema, and every operation runs as the app role
// in a transaction entered through Tenantry's gate statement, as the pooled tier does, so the
// isolation under test is PostgreSQL's RLS and the refusal of a suspended tenant is the gate's.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId, runWithTenant, TENANT_STATUSES, type TenantId, type TenantStatus } from '../core/index.js';
import { TENANT_PREDICATE } from '../postgres/index.js';
import { codeOf, expectCode, lateStore, migratePglite, sameVectorValue, storeConformanceCases, vectorSearchCases, vectorValues, type PgliteTenantry } from '../testing/index.js';
import { createPgvectorStore, PGVECTOR_TENANT_PREDICATE, pgliteVectorClient, pgvectorSchema, type PgvectorAdmission, type PgvectorTenantStore } from './pgvector.js';

const DIMENSION = 3;
let db: PGlite;
let tenantry: PgliteTenantry;
let store: PgvectorTenantStore;
const open = (admit: PgvectorAdmission) => createPgvectorStore({ client: pgliteVectorClient(db), admit, table: 'embeddings', dimension: DIMENSION, role: 'tenantry_app' });

beforeAll(async () => {
  db = await PGlite.create({ extensions: { vector } });
  tenantry = await migratePglite(db);
  for (const statement of pgvectorSchema({ table: 'embeddings', dimension: DIMENSION, appRole: 'tenantry_app' })) await db.exec(statement);
  store = open('tenantry-gate');
}, 300_000); // PGlite runs initdb in WebAssembly: seconds alone, minutes on a crowded machine

afterAll(async () => db?.close());

describe('pgvector store on PGlite', () => {
  for (const c of storeConformanceCases({ store: lateStore('pgvector', () => store), newTenant: () => tenantry.addTenant(), value: vectorValues(DIMENSION), equal: sameVectorValue, runs: 4, maxTenants: 4, maxOps: 12 })) it(c.name, c.run, 180_000);

  it('uses the pooled tier\'s policy word for word', () => {
    expect(PGVECTOR_TENANT_PREDICATE).toBe(TENANT_PREDICATE);
  });

  for (const c of vectorSearchCases({ store: lateStore('pgvector', () => store), dimension: DIMENSION, newTenant: () => tenantry.addTenant() })) it(c.name, c.run, 60_000);

  it('refuses a query vector of another dimension', async () => {
    await runWithTenant(await tenantry.addTenant(), () => expectCode(() => store.search([0, 0], 1), 'STORE_VALUE_INVALID'));
  });

  it('the database refuses what the adapter never sends: no tenant set reads nothing, another tenant\'s row cannot be written', async () => {
    const a = await tenantry.addTenant();
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
    const owner = createPgvectorStore({ client: pgliteVectorClient(db), admit: 'tenantry-gate', table: 'embeddings', dimension: DIMENSION });
    expect((await owner.verify()).findings.map((f) => f.kind).sort()).toEqual(['rls_not_forced', 'role_bypasses_rls']);
    await db.exec('ALTER TABLE embeddings FORCE ROW LEVEL SECURITY');
    expect((await store.verify()).ok).toBe(true);
  });

  it('refuses to open without an admission rule: a store that admitted every tenant would not fail closed', () => {
    const noAdmit = { client: pgliteVectorClient(db), table: 'embeddings', dimension: DIMENSION } as unknown as Parameters<typeof createPgvectorStore>[0];
    expect(codeOf(() => createPgvectorStore(noAdmit))).toBe('CONFIG_INVALID');
  });
});

/** What the SQL path answers for a tenant of `status`: ordinary work, then its own purge. */
const expected = (status: TenantStatus | 'unknown', purpose: 'work' | 'purge'): string | undefined => {
  if (status === 'active' || (status === 'offboarding' && purpose === 'purge')) return undefined;
  if (status === 'suspended') return 'TENANT_SUSPENDED';
  return status === 'unknown' || status === 'deleted' ? 'TENANT_NOT_FOUND' : 'TENANT_NOT_ACTIVE';
};

describe('pgvector store: tenants that may not work are refused, as on the SQL path', () => {
  const modes: [string, () => PgvectorAdmission][] = [
    ['Tenantry\'s gate statement', () => 'tenantry-gate'],
    ['the registry lookup', () => ({ lookup: tenantry.lookup })],
  ];
  for (const [mode, admit] of modes) {
    it(`through ${mode}: each operation is admitted exactly when the SQL path would admit it, and a refused tenant's rows are untouched (property)`, async () => {
      const gated = open(admit());
      const statuses = fc.constantFrom<TenantStatus | 'unknown'>(...TENANT_STATUSES, 'unknown');
      await fc.assert(
        fc.asyncProperty(fc.array(statuses, { minLength: 2, maxLength: 6 }), async (picked) => {
          // Every registered tenant writes a row while active, then is moved to its picked
          // status; an `unknown` one is never registered.
          const tenants: TenantId[] = [];
          for (const status of picked) {
            if (status === 'unknown') {
              tenants.push(newTenantId());
              continue;
            }
            const t = await tenantry.addTenant();
            await runWithTenant(t, () => gated.put('doc', { vector: [1, 1, 1], metadata: { t } }));
            await tenantry.setStatus(t, status);
            tenants.push(t);
          }
          const all = tenants.map((t, i) => [t, picked[i] as TenantStatus | 'unknown'] as const);
          for (const [tenant, status] of all) {
            const work = expected(status, 'work');
            for (const op of [() => gated.get('doc'), () => gated.put('doc', { vector: [2, 2, 2], metadata: {} }), () => gated.list(), () => gated.search([0, 0, 0], 1), () => gated.delete('doc')]) {
              const code = await runWithTenant(tenant, () => codeOf(op()));
              expect(code, `${status} tenant`).toBe(work);
              if (work === undefined) break; // one admitted operation is enough; the rest would change the row
            }
          }
          // The refused tenants' rows are as they were: read as the owner, past RLS.
          for (const [i, status] of picked.entries()) {
            if (expected(status, 'work') === undefined || status === 'unknown') continue;
            const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = $1', [tenants[i]]);
            expect(rows, `${status as string} tenant's row`).toEqual([{ n: 1 }]);
          }
          // Purge is admitted for active and offboarding tenants only.
          for (const [tenant, status] of all) {
            const purge = expected(status, 'purge');
            if (purge === undefined) await gated.purgeTenant(tenant);
            else await expectCode(() => gated.purgeTenant(tenant), purge);
          }
          await db.query('DELETE FROM embeddings WHERE tenant_id = ANY($1::uuid[])', [tenants]);
        }),
        { numRuns: 3 },
      );
    }, 180_000);
  }

  it('a suspended tenant is refused from the next transaction on, and admitted again once restored', async () => {
    const t = await tenantry.addTenant();
    await runWithTenant(t, () => store.put('k', { vector: [1, 2, 3], metadata: {} }));
    await tenantry.setStatus(t, 'suspended');
    await runWithTenant(t, async () => {
      await expectCode(() => store.get('k'), 'TENANT_SUSPENDED');
      await expectCode(() => store.search([1, 2, 3], 1), 'TENANT_SUSPENDED');
    });
    await expectCode(async () => {
      for await (const _ of store.exportTenant(t)) break;
    }, 'TENANT_SUSPENDED');
    await tenantry.setStatus(t, 'active');
    expect((await runWithTenant(t, () => store.get('k')))?.vector).toEqual([1, 2, 3]);
    await store.purgeTenant(t);
  });
});
