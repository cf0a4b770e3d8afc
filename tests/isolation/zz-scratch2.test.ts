import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { createTenantDatabase, isolateTable, pgPool } from 'tenantry/postgres';
import type { TenantId } from 'tenantry';
import { PipelinedQuery } from '../../packages/tenantry/src/postgres/drivers/pg-pipelined-query.js';
(PipelinedQuery.prototype as any).handleError = function (this: any, err: Error, c: unknown) { (pg.Query.prototype as any).handleError.call(this, err, c); };

let t: TestTenantry;
const fail = (p: Promise<unknown>) => p.then((v) => ({ ok: v }), (e: any) => ({ err: e?.code ?? e?.message, cause: e?.cause?.message }));
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, appPoolSize: 1 });
  await t.admin.query(`CREATE TABLE items (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('items', { admin: t.admin });
});
afterAll(() => t?.close());
it('explores', async () => {
  const [a] = t.tenants.map((x) => x.id) as [TenantId];
  for (let i = 0; i < 3; i++) {
    console.log('insert', await fail(t.db.withTenant(a, async (s) => { await s.query('SELECT count(*) FROM items'); await s.query('INSERT INTO items (label) VALUES ($1)', ['x']); })));
  }
  for (let i = 0; i < 3; i++) {
    console.log('begin', await fail(t.db.withTenant(a, async (s) => { await s.query('SELECT count(*) FROM items'); return s.query('BEGIN'); })));
  }
  expect(1).toBe(1);
});
