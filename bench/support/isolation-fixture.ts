// The data set of the isolation benchmarks: N tenants × M rows in two identical tables, one
// under Tenantry's row-level isolation (items_rls) and one without RLS (items_plain).
import { isolateTable } from 'tenantry/postgres';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import type { BenchServer } from './database.js';

export interface IsolationFixture {
  readonly t: TestTenantry;
  /** A uniformly drawn tenant id. */
  readonly pickTenant: () => string;
  /** A uniformly drawn row id (1..rows). */
  readonly pickRow: () => number;
}

export async function isolationFixture(server: BenchServer, tenants: number, rows: number, poolSize: number): Promise<IsolationFixture> {
  const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: poolSize });
  console.log(`loading ${tenants} tenants × ${rows} rows …`);
  await t.admin.query(`
    INSERT INTO tenantry.tenants (id, slug, display_name, status)
    SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'active' FROM generate_series(1, ${tenants}) i`);
  for (const table of ['items_rls', 'items_plain']) {
    await t.admin.query(`CREATE TABLE ${table} (tenant_id uuid NOT NULL, id int NOT NULL, name text NOT NULL, qty int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await t.admin.query(`INSERT INTO ${table} SELECT t.id, r, 'item ' || r, r % 97 FROM tenantry.tenants t, generate_series(1, ${rows}) r`);
    await t.admin.query(`VACUUM ANALYZE ${table}`);
  }
  await isolateTable('items_rls', { admin: t.admin });
  await t.admin.query('GRANT SELECT ON items_plain TO tenantry_app');
  const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
  return {
    t,
    pickTenant: () => ids[Math.floor(Math.random() * ids.length)] as string,
    pickRow: () => 1 + Math.floor(Math.random() * rows),
  };
}
