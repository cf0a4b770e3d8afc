import { createTestTenantry } from 'tenantry/testing';
import { isolateTable } from 'tenantry/postgres';
import { benchServer, throughput } from './support/database.js';
const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: 8 });
await t.admin.query(`INSERT INTO tenantry.tenants (id, slug, display_name, status) SELECT gen_random_uuid(), 'b-' || i, 'B', 'active' FROM generate_series(1, 200) i`);
await t.admin.query(`CREATE TABLE items_rls (tenant_id uuid NOT NULL, id int NOT NULL, name text NOT NULL, qty int NOT NULL, PRIMARY KEY (tenant_id, id))`);
await t.admin.query(`INSERT INTO items_rls SELECT t.id, r, 'item ' || r, r % 97 FROM tenantry.tenants t, generate_series(1, 100) r`);
await isolateTable('items_rls', { admin: t.admin });
const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
const mode = process.argv[2];
const f = mode === 'plain'
  ? async () => { const c = await t.app.connect(); try { await c.query('SELECT id, name, qty FROM items_rls WHERE tenant_id = $1 AND id = $2', [pick(), 5]); } finally { c.release(); } }
  : () => t.db.withTenant(pick(), (s) => s.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [5]));
console.log(mode, (await throughput(8, 8000, f)).toFixed(0));
await t.close(); await server.stop();
