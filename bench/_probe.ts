import { createTestTenantry } from 'tenantry/testing';
import { isolateTable, type SqlConnection } from 'tenantry/postgres';
import { benchServer, throughput } from './support/database.js';
const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: 8 });
await t.admin.query(`INSERT INTO tenantry.tenants (id, slug, display_name, status) SELECT gen_random_uuid(), 'b-' || i, 'B', 'active' FROM generate_series(1, 1000) i`);
for (const table of ['items_rls', 'items_plain']) {
  await t.admin.query(`CREATE TABLE ${table} (tenant_id uuid NOT NULL, id int NOT NULL, name text NOT NULL, qty int NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await t.admin.query(`INSERT INTO ${table} SELECT t.id, r, 'item ' || r, r % 97 FROM tenantry.tenants t, generate_series(1, 1000) r`);
  await t.admin.query(`VACUUM ANALYZE ${table}`);
}
await isolateTable('items_rls', { admin: t.admin });
await t.admin.query('GRANT SELECT ON items_plain TO tenantry_app');
const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
const row = () => 1 + Math.floor(Math.random() * 1000);
const withConn = (f: (c: SqlConnection) => Promise<unknown>) => async () => { const c = await t.app.connect(); try { await f(c); } finally { c.release(); } };
const SET = { name: 'p_set', text: "SELECT set_config('app.tenant_id', $1, true)", values: [] as unknown[] };
const GATE = { name: 'p_gate', text: 'SELECT tenantry.enter_tenant($1::uuid, $2::text)', values: [] as unknown[] };
const { runWithTenant } = await import('tenantry');
const SILENT = { name: 'p_silent', text: "SELECT FROM (SELECT set_config('app.tenant_id', $1, true) AS v) s WHERE s.v IS NULL", values: [] as unknown[] };
const variants: Record<string, () => Promise<unknown>> = {
  plain: withConn((c) => c.query('SELECT id, name, qty FROM items_plain WHERE tenant_id = $1 AND id = $2', [pick(), row()])),
  plainSet: withConn((c) => { const x = pick(); return c.queryAfter([{ ...SET, values: [x] }], 'SELECT id, name, qty FROM items_plain WHERE tenant_id = $1 AND id = $2', [x, row()]); }),
  plainSilent: withConn((c) => { const x = pick(); return c.queryAfter([{ ...SILENT, values: [x] }], 'SELECT id, name, qty FROM items_plain WHERE tenant_id = $1 AND id = $2', [x, row()]); }),
  simpleInlined: withConn((c) => { const x = pick(); return c.query(`SELECT set_config('app.tenant_id', '${x}', true); SELECT id, name, qty FROM items_rls WHERE id = ${row()}`); }),
  simplePlainInlined: withConn((c) => { const x = pick(); return c.query(`SELECT id, name, qty FROM items_plain WHERE tenant_id = '${x}' AND id = ${row()}`); }),
  rlsSet: withConn((c) => c.queryAfter([{ ...SET, values: [pick()] }], 'SELECT id, name, qty FROM items_rls WHERE id = $1', [row()])),
};
for (const clients of [8]) {
  for (let round = 0; round < 4; round++) {
    const out: string[] = [];
    for (const [k, f] of Object.entries(variants)) out.push(`${k}=${(await throughput(clients, 1500, f)).toFixed(0)}`);
    console.log(`${clients}c: ${out.join(' ')}`);
  }
}
await t.close(); await server.stop();
