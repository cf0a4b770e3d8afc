// Kysely on Tenantry's tenant transactions, against real PostgreSQL: queries built with Kysely
// run through the tenant gate and row-level security, so tenant A never sees or writes B's rows
// (a property over many tenants and interleaved writes), a callback commits or rolls back as one,
// a suspended tenant is refused, and pooled connections come back with no tenant set.
import fc from 'fast-check';
import { sql, type Generated } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runWithTenant, type TenantId } from '../core/index.js';
import { createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { isolateTable } from './isolate-table.js';
import { createTenantKysely, type TenantKysely } from './kysely.js';

interface Database {
  // tenant_id defaults to the tenant of the transaction (isolateTable sets the default).
  campaigns: { tenant_id: Generated<string>; id: Generated<string>; name: string };
}

let t: TestTenantry;
let db: TenantKysely<Database>;
let slugs = 0;
const newTenant = async (): Promise<TenantId> => (await t.registry.create({ slug: `ky-${(slugs += 1)}` })).id;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 3 });
  await t.admin.query('CREATE TABLE campaigns (tenant_id uuid NOT NULL, id bigserial, name text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('campaigns', { admin: t.admin });
  db = createTenantKysely<Database>(t.db);
});
afterAll(() => t?.close());

describe('Kysely through createTenantKysely', () => {
  it('each tenant reads and changes exactly its own rows, whatever the interleaving (property, many tenants on a pool of 3)', async () => {
    const op = fc.record({ tenant: fc.nat(7), kind: fc.constantFrom('insert', 'rename', 'delete'), name: fc.stringMatching(/^[a-z]{1,6}$/) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.array(op, { minLength: 1, maxLength: 25 }), async (n, ops) => {
        const tenants: TenantId[] = [];
        for (let i = 0; i < n; i++) tenants.push(await newTenant());
        const model = tenants.map(() => new Map<string, string>()); // id → name
        // Interleaved: each tenant's ops run in order, all tenants at once on the pool's 3 connections.
        const chains = tenants.map(() => Promise.resolve());
        for (const o of ops) {
          const i = o.tenant % n;
          const tenant = tenants[i] as TenantId;
          const held = model[i] as Map<string, string>;
          chains[i] = (chains[i] as Promise<void>).then(async () => {
            if (o.kind === 'insert') {
              const row = await db.withTenant(tenant, (trx) => trx.insertInto('campaigns').values({ name: o.name }).returning(['id', 'tenant_id']).executeTakeFirstOrThrow());
              expect(row.tenant_id).toBe(tenant);
              held.set(String(row.id), o.name);
            } else if (o.kind === 'rename') {
              // An unfiltered UPDATE: every row it may touch must be the tenant's.
              const result = await db.withTenant(tenant, (trx) => trx.updateTable('campaigns').set({ name: o.name }).executeTakeFirst());
              expect(Number(result.numUpdatedRows)).toBe(held.size);
              for (const id of held.keys()) held.set(id, o.name);
            } else {
              const result = await db.withTenant(tenant, (trx) => trx.deleteFrom('campaigns').where('name', '=', o.name).executeTakeFirst());
              const gone = [...held].filter(([, name]) => name === o.name).map(([id]) => id);
              expect(Number(result.numDeletedRows)).toBe(gone.length);
              for (const id of gone) held.delete(id);
            }
          });
        }
        await Promise.all(chains);
        for (const [i, tenant] of tenants.entries()) {
          const rows = await db.withTenant(tenant, (trx) => trx.selectFrom('campaigns').select(['id', 'name', 'tenant_id']).orderBy('id').execute());
          expect(rows.every((r) => r.tenant_id === tenant)).toBe(true);
          expect(Object.fromEntries(rows.map((r) => [String(r.id), r.name]))).toEqual(Object.fromEntries(model[i] ?? []));
          await db.withTenant(tenant, (trx) => trx.deleteFrom('campaigns').execute());
        }
      }),
      { numRuns: 8 },
    );
    // Pooled connections come back clean: outside a tenant the app role sees no tenant and no rows.
    for (let i = 0; i < 3; i++) {
      const { rows } = await t.app.query<{ tenant: string | null; n: number }>(`SELECT nullif(current_setting('app.tenant_id', true), '') AS tenant, (SELECT count(*)::int FROM campaigns) AS n`);
      expect(rows).toEqual([{ tenant: null, n: 0 }]);
    }
  }, 120_000);

  it('commits the callback\'s statements together, or rolls all of them back when it throws', async () => {
    const tenant = await newTenant();
    await expect(db.withTenant(tenant, async (trx) => {
      await trx.insertInto('campaigns').values({ name: 'kept?' }).execute();
      throw new Error('after the insert');
    })).rejects.toThrow('after the insert');
    await db.withTenant(tenant, async (trx) => {
      await trx.insertInto('campaigns').values({ name: 'one' }).execute();
      await trx.insertInto('campaigns').values({ name: 'two' }).execute();
    });
    const names = await db.withTenant(tenant, (trx) => trx.selectFrom('campaigns').select('name').orderBy('name').execute());
    expect(names).toEqual([{ name: 'one' }, { name: 'two' }]);
  });

  it('refuses a suspended tenant before any query, and what could escape the tenant: its own transactions, the tenant setting', async () => {
    const tenant = await newTenant();
    await t.registry.suspend(tenant);
    await expectCode(() => db.withTenant(tenant, (trx) => trx.selectFrom('campaigns').selectAll().execute()), 'TENANT_SUSPENDED');
    await t.registry.restore(tenant);
    await expectCode(() => db.withTenant(tenant, (trx) => trx.transaction().execute(() => Promise.resolve())), 'ISOLATION_STATEMENT_REFUSED');
    await expectCode(() => db.withTenant(tenant, (trx) => sql`SELECT set_config('app.tenant_id', ${tenant}, false)`.execute(trx)), 'ISOLATION_STATEMENT_REFUSED');
    await expectCode(() => db.withCurrentTenant((trx) => trx.selectFrom('campaigns').selectAll().execute()), 'TENANT_CONTEXT_MISSING');
    expect(await runWithTenant(tenant, () => db.withCurrentTenant((trx) => trx.selectFrom('campaigns').selectAll().execute()))).toEqual([]);
  });
});
