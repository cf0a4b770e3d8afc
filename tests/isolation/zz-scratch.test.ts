import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { isolateTable } from 'tenantry/postgres';
import type { TenantId } from 'tenantry';

let t: TestTenantry;
let a: TenantId; let b: TenantId; let c: TenantId;
const fail = (p: Promise<unknown>) => p.then((v) => ({ ok: v }), (e: any) => ({ err: e?.code ?? e?.message, cause: e?.cause?.message }));
const probe = async () => (await t.app.query(`SELECT current_setting('app.tenant_id', true) AS s, (SELECT count(*) FROM items) AS n`)).rows[0];
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 3, appPoolSize: 1 });
  [a, b, c] = t.tenants.map((x) => x.id) as [TenantId, TenantId, TenantId];
  await t.admin.query(`CREATE TABLE items (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('items', { admin: t.admin });
  await t.db.withTenant(b, (s) => s.query(`INSERT INTO items (label) VALUES ('b1')`));
});
afterAll(() => t?.close());
it('explores', async () => {
  console.log('poison first', await fail(t.db.withTenant(a, async (s) => {
    console.log(' begin', await fail(s.query('BEGIN')));
    console.log(' div0', await fail(s.query('SELECT 1/0')));
    console.log(' tx', await fail(s.transaction((tx) => tx.query('SELECT 1'))));
  })), await probe());
  for (const x of [a, b, c]) console.log('next tx', await fail(t.db.transaction(x, async (tx) => (await tx.query('SELECT count(*) FROM items')).rows)));
  console.log('set_config in stmt reads B', JSON.stringify(await fail(t.db.withTenant(a, (s) => s.query(`SELECT set_config('app.tenant_id', $1, true), (SELECT count(*) FROM items) AS n`, [b])))));
  console.log('tx set_config', JSON.stringify(await fail(t.db.transaction(a, async (tx) => { await tx.query(`SELECT set_config('app.tenant_id', $1, true)`, [b]); return (await tx.query('SELECT label FROM items')).rows; }))));
  console.log('poison', await fail(t.db.withTenant(a, async (s) => {
    console.log(' begin', await fail(s.query('BEGIN')));
    console.log(' div0', await fail(s.query('SELECT 1/0')));
    console.log(' tx', await fail(s.transaction((tx) => tx.query('SELECT 1'))));
  })), await probe());
  for (const x of [a, b, c]) console.log('next tx', await fail(t.db.transaction(x, async (tx) => (await tx.query('SELECT count(*) FROM items')).rows)));
  console.log('next ws', await fail(t.db.withTenant(c, async (s) => (await s.query('SELECT count(*) FROM items')).rows)));
  expect(1).toBe(1);
});
