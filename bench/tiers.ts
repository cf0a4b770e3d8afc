// bench/tiers: statements per second of the same application read in each tier, through the
// same `withTenant` (docs/tiers.md "What each tier costs"), with 4 concurrent clients over
// random tenants, rounds alternating the sides. Also the schema tier's two ways of aiming at the
// tenant's schema: the gate's transaction-local search_path (what the library does) against
// schema-qualified SQL sent through the pooled gate (the rewriting alternative).
//   npm run bench -- tiers            full: 200 tenants per shared tier, 8 database-tier, 7 rounds × 2 s
//   npm run bench -- tiers --smoke    CI: 20 per shared tier, 2 database-tier, 3 rounds × 0.3 s
import type { Tenant } from 'tenantry';
import { createTenantDatabase } from 'tenantry/postgres';
import { createTestPlacement, createTestTenantry, testMigration } from 'tenantry/testing';
import { benchServer, median, throughput } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const SHARED = smoke ? 20 : 200;
const DATABASES = smoke ? 2 : 8;
const ROUNDS = smoke ? 3 : 7;
const MS = smoke ? 300 : 2000;
const CLIENTS = 4;
const NOTES = testMigration('0001', 'notes', `CREATE TABLE notes (
  tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
const READ = 'SELECT id, body FROM notes WHERE id = $1';

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: CLIENTS });
const p = await createTestPlacement({ t, adminUrl: server.adminUrl, passwords: server.rolePasswords, migrations: [NOTES], maxConnections: 64, poolSize: 2 });
try {
  await t.admin.query(NOTES.sql);
  const { isolateTable } = await import('tenantry/postgres');
  await isolateTable('notes', { admin: t.admin });
  const make = async (tier: 'pooled' | 'schema' | 'database', n: number): Promise<{ tenant: Tenant; id: string }[]> => {
    const out: { tenant: Tenant; id: string }[] = [];
    for (let i = 0; i < n; i += 1) {
      const tenant = await p.create(`${tier}-${i}`, tier);
      const { rows } = await p.db.withTenant(tenant.id, (s) => s.query<{ id: string }>("INSERT INTO notes (body) VALUES ('x') RETURNING id"));
      out.push({ tenant, id: (rows[0] as { id: string }).id });
    }
    return out;
  };
  const pooled = await make('pooled', SHARED);
  const schema = await make('schema', SHARED);
  const database = await make('database', DATABASES);
  const schemaOf = new Map(await Promise.all(schema.map(async (x) => [x.tenant.id, (await p.placement.directory.tryGetPlacement(x.tenant.id))?.schema as string] as const)));
  // The rewriting alternative: schema-qualified SQL through the pooled gate (the guard would
  // refuse naming a tenant schema, so it is off for this side only).
  const unrouted = createTenantDatabase({ pool: t.app, sqlGuard: 'off' });
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)] as T;
  const sides: Record<string, () => Promise<unknown>> = {
    pooled: () => { const x = pick(pooled); return p.db.withTenant(x.tenant.id, (s) => s.query(READ, [x.id])); },
    schema: () => { const x = pick(schema); return p.db.withTenant(x.tenant.id, (s) => s.query(READ, [x.id])); },
    qualified: () => { const x = pick(schema); return unrouted.withTenant(x.tenant.id, (s) => s.query(`SELECT id, body FROM "${schemaOf.get(x.tenant.id) as string}".notes WHERE id = $1`, [x.id])); },
    database: () => { const x = pick(database); return p.db.withTenant(x.tenant.id, (s) => s.query(READ, [x.id])); },
  };
  for (const run of Object.values(sides)) await throughput(CLIENTS, 100, run);
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
    for (const name of order) rates[name]?.push(await throughput(CLIENTS, MS, sides[name] as () => Promise<unknown>));
  }
  const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
  for (const [k, v] of Object.entries(m)) console.log(`${k}: ${Math.round(v)} statements/s`);
  const { rows: sizes } = await t.admin.query<{ mb: string }>('SELECT round(pg_database_size(current_database()) / 1048576.0, 1)::text AS mb');
  console.log(`control database with ${SHARED} schema-tier schemas: ${sizes[0]?.mb} MB; pools of the database tier: ${JSON.stringify(p.placement.poolStats())}`);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    schema_vs_pooled: r((m.schema as number) / (m.pooled as number)),
    qualified_vs_search_path: r((m.qualified as number) / (m.schema as number)),
    database_vs_pooled: r((m.database as number) / (m.pooled as number)),
  }));
} finally {
  await p.close();
  await t.close();
  await server.stop();
}
