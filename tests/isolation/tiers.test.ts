// The CRUD isolation property once per tier: schema-tier tenants (mixed with pooled ones on the
// same small app pool, so a connection serves a schema tenant, then a pooled one, then another
// schema), and database-tier tenants, each in a database of its own. The application SQL is the
// property's, unchanged; only where the admin reads the truth differs. Every row must also sit
// in its own tenant's schema or database, never in another's.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from 'tenantry';
import type { SqlPool } from 'tenantry/postgres';
import { createTestPlacement, createTestTenantry, testMigration, type TestPlacement, type TestTenantry } from 'tenantry/testing';
import { crudInput, runCrudInput, type AdminViews } from './crud-property.js';
import { allRowsByTenant, clearAppData, createAppSchema, type ItemRow } from './isolation-fixtures.js';

const ITEMS_AND_TAGS = testMigration('0001', 'items_and_tags', `
  CREATE TABLE items (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text NOT NULL, PRIMARY KEY (tenant_id, id));
  CREATE TABLE tags (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), item_id uuid NOT NULL, name text NOT NULL,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, item_id) REFERENCES items (tenant_id, id) ON DELETE CASCADE);`);

let t: TestTenantry;
let p: TestPlacement;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 3 });
  await createAppSchema(t);
  p = await createTestPlacement({ t, adminUrl: inject('adminUrl'), passwords: inject('rolePasswords'), migrations: [ITEMS_AND_TAGS] });
});
afterAll(async () => {
  await p?.close();
  await t?.close();
});

/** The admin's views over where `tenants` keep their rows, checking each location holds only its owners' rows. */
async function viewsOf(tenants: readonly Tenant[]): Promise<AdminViews> {
  const locations = new Map<string, { admin: SqlPool; schema: string; owners: Set<string> }>();
  for (const tenant of tenants) {
    const { pool, schema } = await p.adminFor(tenant);
    const key = `${String(locations.size)}:${schema}`;
    const found = [...locations.values()].find((l) => l.admin === pool && l.schema === schema);
    if (found) found.owners.add(tenant.id);
    else locations.set(key, { admin: pool, schema, owners: new Set([tenant.id]) });
  }
  return {
    async clear() {
      for (const l of locations.values()) await clearAppData(l, l.schema);
    },
    async allRows() {
      const merged = new Map<string, ItemRow[]>();
      for (const l of locations.values()) {
        const rows = await allRowsByTenant(l, l.schema);
        expect([...rows.keys()].filter((id) => !l.owners.has(id)), `rows of other tenants in ${l.schema}`).toEqual([]);
        for (const [id, items] of rows) merged.set(id, items);
      }
      return merged;
    },
  };
}

describe('the schema tier', () => {
  it('schema-tier and pooled tenants sharing a pool of three see and change exactly their own rows', async () => {
    const tenants: Tenant[] = [];
    for (let i = 0; i < 10; i += 1) tenants.push(await p.create(`schema-${i}`, i % 4 === 3 ? 'pooled' : 'schema'));
    const views = await viewsOf(tenants);
    const ids = tenants.map((x) => x.id);
    await fc.assert(fc.asyncProperty(crudInput(ids.length), (input) => runCrudInput({ db: p.db, admin: t.admin }, ids, input, views)), { numRuns: 10 });
  });
});

describe('the database tier', () => {
  it('database-tier tenants, each in its own database, see and change exactly their own rows', async () => {
    const tenants: Tenant[] = [];
    for (let i = 0; i < 3; i += 1) tenants.push(await p.create(`database-${i}`, 'database'));
    const views = await viewsOf(tenants);
    const ids = tenants.map((x) => x.id);
    await fc.assert(fc.asyncProperty(crudInput(ids.length), (input) => runCrudInput({ db: p.db, admin: t.admin }, ids, input, views)), { numRuns: 5 });
  });
});
