// Placement over four PostgreSQL servers: the suite's server (the control database, region us)
// and three embedded ones, one per region (eu, ap, sa). Pinned tenants land on their region's
// server and nowhere else; a tenant on one server is unreachable through another's handle.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from 'tenantry';
import { createTenantDatabase, isolateTable } from 'tenantry/postgres';
import { findOrStartPostgres, type FoundPostgres } from 'tenantry/postgres/embedded';
import { pgPool } from 'tenantry/postgres/pg';
import { createTestPlacement, createTestTenantry, expectCode, testMigration, type TestPlacement, type TestTenantry } from 'tenantry/testing';

const adminUrl = inject('adminUrl');
const passwords = inject('rolePasswords');
const NOTES = testMigration('0001', 'notes', `CREATE TABLE notes (
  tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
const withoutCredentials = (url: string) => Object.assign(new URL(url), { username: '', password: '' }).toString();

let t: TestTenantry;
let p: TestPlacement;
let servers: Record<'eu' | 'ap' | 'sa', FoundPostgres>;

beforeAll(async () => {
  const [eu, ap, sa] = await Promise.all([0, 1, 2].map(() => findOrStartPostgres({ embedded: { dataDir: 'temporary' } })));
  servers = { eu: eu as FoundPostgres, ap: ap as FoundPostgres, sa: sa as FoundPostgres };
  t = await createTestTenantry({ adminUrl, rolePasswords: passwords, tenants: 0 });
  await t.admin.query(NOTES.sql);
  await isolateTable('notes', { admin: t.admin });
  const adminUrls: Record<string, string> = { home: adminUrl, 'us-1': adminUrl, 'eu-1': servers.eu.adminUrl, 'ap-1': servers.ap.adminUrl, 'sa-1': servers.sa.adminUrl };
  p = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES], homeRegion: 'us', targetAdminUrl: (target) => adminUrls[target.name] as string });
  await p.placement.directory.addTarget({ name: 'us-1', url: withoutCredentials(adminUrl), region: 'us' });
  await p.placement.directory.addTarget({ name: 'eu-1', url: withoutCredentials(servers.eu.adminUrl), region: 'eu' });
  await p.placement.directory.addTarget({ name: 'ap-1', url: withoutCredentials(servers.ap.adminUrl), region: 'ap' });
  await p.placement.directory.addTarget({ name: 'sa-1', url: withoutCredentials(servers.sa.adminUrl), region: 'sa' });
  // Registered, then closed before any tenant: a region whose only server takes no tenant.
  await p.placement.directory.setTargetState('sa-1', 'closed');
}, 180_000);
afterAll(async () => {
  await p?.close();
  await t?.close();
  await Promise.all(Object.values(servers ?? {}).map((s) => s.stop()));
});

async function databasesOn(url: string): Promise<string[]> {
  const pool = pgPool({ connectionString: url, max: 1 });
  try {
    return (await pool.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tenant\\_%' ORDER BY 1")).rows.map((r) => r.datname);
  } finally {
    await pool.end();
  }
}

describe('placement over three servers', () => {
  let eu: Tenant;
  let ap: Tenant;
  beforeAll(async () => {
    eu = await p.create('eu-co', 'database', { region: 'eu', residency: 'pinned' });
    ap = await p.create('ap-co', 'database', { region: 'ap', residency: 'pinned' });
  }, 120_000);

  it('puts each pinned tenant\'s database on its region\'s server, and only there', async () => {
    const name = async (x: Tenant) => (await p.placement.directory.tryGetPlacement(x.id))?.database as string;
    expect(await databasesOn(servers.eu.adminUrl)).toEqual([await name(eu)]);
    expect(await databasesOn(servers.ap.adminUrl)).toEqual([await name(ap)]);
    expect(await databasesOn(adminUrl)).not.toContain(await name(eu));
    expect(await databasesOn(servers.sa.adminUrl)).toEqual([]);
    expect((await p.placement.directory.listTargets()).map((x) => [x.name, x.tenants])).toEqual([['ap-1', 1], ['eu-1', 1], ['home', 0], ['sa-1', 0], ['us-1', 0]]);
  });

  it('serves each tenant from its server, and another server\'s handle reaches none of its rows', async () => {
    await p.db.withTenant(eu.id, (s) => s.query("INSERT INTO notes (body) VALUES ('eu only')"));
    await p.db.withTenant(ap.id, (s) => s.query("INSERT INTO notes (body) VALUES ('ap only')"));
    expect((await p.db.withTenant(eu.id, (s) => s.query('SELECT body FROM notes'))).rows).toEqual([{ body: 'eu only' }]);
    // Server 1's handle (the control database's pooled tables) has nothing of the eu tenant.
    expect((await t.db.withTenant(eu.id, (s) => s.query('SELECT body FROM notes'))).rows).toEqual([]);
    // The ap tenant's database, as the app role, does not know the eu tenant at all: its gate refuses.
    const apDatabase = (await p.placement.directory.tryGetPlacement(ap.id))?.database as string;
    const apPool = pgPool({ connectionString: Object.assign(new URL(servers.ap.adminUrl), { username: 'tenantry_app', password: passwords.app, pathname: `/${apDatabase}` }).toString(), max: 1 });
    try {
      const apHandle = createTenantDatabase({ pool: apPool });
      await expectCode(apHandle.withTenant(eu.id, (s) => s.query('SELECT body FROM notes')), 'TENANT_NOT_FOUND');
      expect((await apHandle.withTenant(ap.id, (s) => s.query('SELECT body FROM notes'))).rows).toEqual([{ body: 'ap only' }]);
    } finally {
      await apPool.end();
    }
  });

  it('refuses residency it cannot keep: a region without a server, a closed one, a drained one; then places it once open', async () => {
    await expectCode(p.registry.create({ slug: 'af-co', tier: 'database', region: 'af', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    await expectCode(p.registry.create({ slug: 'sa-co', tier: 'database', region: 'sa', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    await p.placement.directory.setTargetState('eu-1', 'draining');
    try {
      await expectCode(p.registry.create({ slug: 'eu-late', tier: 'database', region: 'eu', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    } finally {
      await p.placement.directory.setTargetState('eu-1', 'open');
    }
    // An unpinned tenant of a region without an open server still gets a database somewhere.
    const loose = await p.create('af-loose', 'database', { region: 'af' });
    expect((await p.placement.directory.tryGetPlacement(loose.id))?.target).toMatch(/^(ap-1|eu-1|us-1|home)$/);
    await p.placement.directory.setTargetState('sa-1', 'open');
    const sa = await p.create('sa-co', 'database', { region: 'sa', residency: 'pinned' });
    expect(await databasesOn(servers.sa.adminUrl)).toEqual([(await p.placement.directory.tryGetPlacement(sa.id))?.database]);
  }, 60_000);
});
