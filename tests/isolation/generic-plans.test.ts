// Property 3: isolation holds when plans are cached and shared. The test database runs with
// plan_cache_mode = force_generic_plan, so every prepared statement is planned once without its
// parameters and reused; the pg driver prepares each parameterized statement once per
// connection and reuses it for whichever tenant borrows the connection next. A tenant value
// folded into a plan (an IMMUTABLE policy helper) would serve one tenant's rows to another here.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { createTenantDatabase } from 'tenantry/postgres';
import { crudInput, runCrudInput } from './crud-property.js';
import { clearAppData, createAppSchema, tenantIds } from './isolation-fixtures.js';

const TENANTS = 20;
let t: TestTenantry;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 2 });
  tenants = tenantIds(t);
  // Per database, not per role: roles are cluster-wide and other test files run concurrently.
  // The app pool has opened no connection yet, so every one of them starts with it.
  const database = new URL(t.url).pathname.slice(1);
  await t.admin.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} SET plan_cache_mode = force_generic_plan`);
  await createAppSchema(t);
});
afterAll(() => t?.close());

interface PreparedStatementRow {
  name: string;
  statement: string;
  generic_plans: string;
  custom_plans: string;
}

describe('with plan_cache_mode = force_generic_plan', () => {
  it('runs every app connection with generic plans', async () => {
    const settings = await Promise.all(
      tenants.slice(0, 4).map((id) => t.db.withTenant(id, async (s) => (await s.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0])),
    );
    expect(settings).toEqual(Array(4).fill({ plan_cache_mode: 'force_generic_plan' }));
  });

  it('shows and changes each tenant exactly its own rows under concurrent scopes and transactions', async () => {
    await fc.assert(
      fc.asyncProperty(crudInput(TENANTS), (input) => runCrudInput(t, tenants, input)),
      { numRuns: 6 },
    );
  });

  it("serves each tenant its own rows from a statement the driver prepared for another tenant", async () => {
    await clearAppData(t);
    for (const [i, id] of tenants.entries()) {
      await t.db.withTenant(id, (s) => s.query('INSERT INTO items (label) VALUES ($1), ($2)', [`t${i}-a`, `t${i}-b`]));
    }
    const read = 'SELECT tenant_id::text AS tenant, label FROM items WHERE label LIKE $1 ORDER BY label';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: TENANTS - 1 }), { minLength: 3, maxLength: 30 }), async (order) => {
        // A, B, A first: the pattern that exposes a plan holding the first tenant's value.
        for (const i of [0, 1, 0, ...order]) {
          const id = tenants[i] as TenantId;
          const { rows } = await t.db.withTenant(id, (s) => s.query(read, ['%']));
          expect(rows).toEqual([{ tenant: id, label: `t${i}-a` }, { tenant: id, label: `t${i}-b` }]);
        }
      }),
      { numRuns: 10 },
    );
    // Sequential scopes borrow the same pooled connection, so the statement was prepared once
    // there and its generic plan reused across many tenants.
    // The catalog is read without the SQL guard, which refuses catalog access to tenant code.
    const diagnostics = createTenantDatabase({ pool: t.app, sqlGuard: 'off' });
    const statements = await diagnostics.withTenant(tenants[0] as TenantId, async (s) =>
      (await s.query<PreparedStatementRow>(
        'SELECT name, statement, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE statement = $1',
        [read],
      )).rows,
    );
    expect(statements.length).toBe(1);
    expect(Number(statements[0]?.generic_plans)).toBeGreaterThan(TENANTS);
    expect(statements[0]?.custom_plans).toBe('0');
  });
});

describe('named prepared statements reused across tenants on one connection', () => {
  // scope.query takes text and values only (the driver names and caches statements itself), so
  // statements named by the application are checked on a plain pg client logged in as the app
  // role, with the tenant set exactly as the library does: transaction-locally, per transaction.
  it('serve each tenant its own rows, and refuse writes for another tenant, in any order of tenants', async () => {
    await clearAppData(t);
    const client = new pg.Client({ connectionString: t.appUrl });
    await client.connect();
    try {
      const inTenant = async <R extends pg.QueryResultRow>(id: TenantId, query: pg.QueryConfig): Promise<pg.QueryResult<R>> => {
        await client.query('BEGIN');
        try {
          await client.query("SELECT set_config('app.tenant_id', $1, true)", [id]);
          const result = await client.query<R>(query);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      };
      // Prepared (and, with force_generic_plan, planned) before any tenant was ever set.
      expect((await client.query({ name: 'visible', text: 'SELECT tenant_id::text AS tenant, label FROM items ORDER BY label', values: [] })).rows).toEqual([]);

      const model = new Map<TenantId, string[]>(tenants.map((id) => [id, []]));
      const step = fc.record({ tenant: fc.nat({ max: 3 }), action: fc.constantFrom('read' as const, 'insert' as const, 'insert-as' as const), label: fc.string({ maxLength: 6 }) });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 25 }), async (steps) => {
          const prefix = [0, 1, 0].map((tenant) => ({ tenant, action: 'read' as const, label: '' }));
          for (const { tenant, action, label } of [...prefix, ...steps]) {
            const id = tenants[tenant] as TenantId;
            const other = tenants[(tenant + 1) % 4] as TenantId;
            if (action === 'read') {
              const { rows } = await inTenant<{ tenant: string; label: string }>(id, { name: 'visible', text: 'SELECT tenant_id::text AS tenant, label FROM items ORDER BY label', values: [] });
              expect(rows.every((r) => r.tenant === id)).toBe(true);
              expect(rows.map((r) => r.label).sort()).toEqual([...(model.get(id) ?? [])].sort());
            } else if (action === 'insert') {
              const { rows } = await inTenant<{ tenant: string }>(id, { name: 'insert', text: 'INSERT INTO items (label) VALUES ($1) RETURNING tenant_id::text AS tenant', values: [label] });
              expect(rows).toEqual([{ tenant: id }]);
              model.get(id)?.push(label);
            } else {
              const err = await inTenant(id, { name: 'insert-as', text: 'INSERT INTO items (tenant_id, label) VALUES ($1, $2)', values: [other, label] }).then(
                () => undefined,
                (e: unknown) => e,
              );
              expect((err as { code?: string } | undefined)?.code).toBe('42501');
            }
          }
        }),
        { numRuns: 15 },
      );
      const { rows } = await client.query<PreparedStatementRow>("SELECT name, statement, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name = 'visible'");
      expect(Number(rows[0]?.generic_plans)).toBeGreaterThan(3);
      expect(rows[0]?.custom_plans).toBe('0');
    } finally {
      await client.end();
    }
  });
});
