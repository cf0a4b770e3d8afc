// Placement over three PostgreSQL servers, one per region: the suite's server (us, also the
// control database) and two embedded ones (eu, ap). Pinned tenants land on their region's
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
let servers: Record<'eu' | 'ap', FoundPostgres>;

beforeAll(async () => {
  const [eu, ap] = await Promise.all([0, 1].map(() => findOrStartPostgres({ embedded: { dataDir: 'temporary' } })));
  servers = { eu: eu as FoundPostgres, ap: ap as FoundPostgres };
  t = await createTestTenantry({ adminUrl, rolePasswords: passwords, tenants: 0 });
  await t.admin.query(NOTES.sql);
  await isolateTable('notes', { admin: t.admin });
  const adminUrls: Record<string, string> = { home: adminUrl, 'us-1': adminUrl, 'eu-1': servers.eu.adminUrl, 'ap-1': servers.ap.adminUrl };
  p = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES], homeRegion: 'us', targetAdminUrl: (target) => adminUrls[target.name] as string });
  await p.placement.directory.addTarget({ name: 'us-1', url: withoutCredentials(adminUrl), region: 'us' });
  await p.placement.directory.addTarget({ name: 'eu-1', url: withoutCredentials(servers.eu.adminUrl), region: 'eu' });
  await p.placement.directory.addTarget({ name: 'ap-1', url: withoutCredentials(servers.ap.adminUrl), region: 'ap' });
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
    expect((await p.placement.directory.listTargets()).map((x) => [x.name, x.tenants])).toEqual([['ap-1', 1], ['eu-1', 1], ['home', 0], ['us-1', 0]]);
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

  it('refuses residency it cannot keep: a region without a server, a drained region', async () => {
    await expectCode(p.registry.create({ slug: 'sa-co', tier: 'database', region: 'sa', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    await p.placement.directory.setTargetState('eu-1', 'draining');
    try {
      await expectCode(p.registry.create({ slug: 'eu-late', tier: 'database', region: 'eu', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    } finally {
      await p.placement.directory.setTargetState('eu-1', 'open');
    }
    // An unpinned tenant of a region without a server still gets a database somewhere.
    const loose = await p.create('sa-loose', 'database', { region: 'sa' });
    expect((await p.placement.directory.tryGetPlacement(loose.id))?.target).toMatch(/^(ap-1|eu-1|us-1|home)$/);
  }, 60_000);
});
