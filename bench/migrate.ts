// bench/migrate: the application's migrations across schema-tier tenants (docs/tiers.md).
// N schema-tier tenants are set up in bulk (registry rows, placements, empty schemas), then
// `migrateTenants` creates their table (init). Measured:
//   noop_s        a run with nothing pending (the ledger in the control schema says so in one read)
//   add_column_s  a one-column migration applied to every schema (4 at once)
//   naive_noop_s  the same no-op done naively: one connection, schema by schema (set the
//                 search_path, read that schema's applied versions), as per-schema tools do
//   npm run bench -- migrate            full: 1,000 tenants
//   npm run bench -- migrate --smoke    CI: 50 tenants
import { createPlacement } from 'tenantry/placement';
import { pgPool } from 'tenantry/postgres/pg';
import { createTestTenantry, testMigration } from 'tenantry/testing';
import { benchServer } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 50 : 1000;
const NOTES = testMigration('0001', 'notes', `CREATE TABLE notes (
  tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
const ADD = testMigration('0002', 'pinned', 'ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false');

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, operatorPoolSize: 4 });
const admin = pgPool({ connectionString: t.url, max: 4 });
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;
try {
  const make = (migrations: typeof NOTES[]) => createPlacement({
    operator: t.operator, app: t.app, admin, connect: (c) => pgPool(c), adminUrl: () => server.adminUrl, passwords: server.rolePasswords, migrations,
  });
  const first = make([NOTES]);
  await first.ready();
  // Bulk setup: what registry.create does per tenant, minus the per-tenant round trips.
  await t.admin.query(`
    INSERT INTO tenantry.tenants (id, slug, display_name, status, tier)
      SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'active', 'schema' FROM generate_series(1, ${TENANTS}) i;
    INSERT INTO tenantry.placements (tenant, tier, target, schema_name, region)
      SELECT id, 'schema', 'home', 'tenant_' || replace(id::text, '-', ''), 'default' FROM tenantry.tenants;
    DO $$ DECLARE s text; BEGIN
      FOR s IN SELECT schema_name FROM tenantry.placements LOOP
        EXECUTE format('CREATE SCHEMA %I AUTHORIZATION tenantry_owner', s);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO tenantry_app', s);
      END LOOP;
    END $$;`);
  let since = performance.now();
  const init = await first.migrateTenants({ concurrency: 4 });
  const initS = seconds(since);
  if (init.applied !== TENANTS) throw new Error(`init applied ${init.applied} of ${TENANTS}: ${JSON.stringify(init.tenants.find((s) => s.outcome === 'failed'))}`);
  console.log(`init (CREATE TABLE + isolate in ${TENANTS} schemas): ${initS} s`);

  since = performance.now();
  const noop = await first.migrateTenants();
  const noopS = seconds(since);
  if (noop.unchanged !== TENANTS) throw new Error('the no-op run changed something');
  console.log(`no-op: ${noopS} s`);

  // Naive: one connection, schema by schema.
  since = performance.now();
  const one = await admin.connect();
  try {
    const { rows } = await one.query<{ tenant: string; schema_name: string }>('SELECT tenant, schema_name FROM tenantry.placements ORDER BY schema_name');
    for (const row of rows) {
      await one.query(`SET search_path TO "${row.schema_name}"`);
      await one.query('SELECT version, checksum FROM tenantry.tenant_migrations WHERE tenant = $1', [row.tenant]);
    }
    await one.query('RESET search_path');
  } finally {
    one.release();
  }
  const naiveS = seconds(since);
  console.log(`naive no-op (one connection, schema by schema): ${naiveS} s`);

  const second = make([NOTES, ADD]);
  since = performance.now();
  const added = await second.migrateTenants({ concurrency: 4 });
  const addS = seconds(since);
  if (added.applied !== TENANTS) throw new Error(`add column applied ${added.applied} of ${TENANTS}`);
  console.log(`add column: ${addS} s`);
  const { rows: [size] } = await t.admin.query<{ mb: string }>('SELECT round(pg_database_size(current_database()) / 1048576.0, 1)::text AS mb');
  console.log(`database size with ${TENANTS} schema-tier schemas: ${size?.mb} MB`);
  await Promise.all([first.close(), second.close()]);
  console.log(JSON.stringify({ noop_s: noopS, add_column_s: addS, naive_noop_s: naiveS }));
} finally {
  await admin.end();
  await t.close();
  await server.stop();
}
