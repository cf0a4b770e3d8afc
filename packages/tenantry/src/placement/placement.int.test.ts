// The placement directory and the schema and database tiers against the suite's PostgreSQL
// (database-tier tenants get distinct databases on it): targets, placement by region and
// residency, the schema tier's walls, the database tier's mirrored gate, the bound on
// connections, and the application's migrations across tenants.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createTestPlacement, createTestTenantry, expectCode, testMigration, type TestPlacement, type TestTenantry } from '../testing/index.js';

const adminUrl = inject('adminUrl');
const passwords = inject('rolePasswords');
const NOTES = testMigration('0001', 'notes', `CREATE TABLE notes (
  tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
/** The URL of the suite's server without credentials: what a target records. */
const serverUrl = (() => { const u = new URL(adminUrl); u.username = ''; u.password = ''; return u.toString(); })();

let t: TestTenantry;
let p: TestPlacement;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl, rolePasswords: passwords, tenants: 0 });
  // The pooled tier's copy of the application's table, in public.
  await t.admin.query(NOTES.sql);
  const { isolateTable } = await import('../postgres/index.js');
  await isolateTable('notes', { admin: t.admin });
  p = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES], homeRegion: 'us' });
  await p.placement.directory.addTarget({ name: 'eu-1', url: serverUrl, region: 'eu' });
});
afterAll(async () => {
  await p?.close();
  await t?.close();
});

const count = async (pool: { query: TestTenantry['admin']['query'] }, table: string) =>
  Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

describe('the directory', () => {
  it('registers targets without credentials, refuses a duplicate or a password, and drains one', async () => {
    await expectCode(p.placement.directory.addTarget({ name: 'bad', url: 'postgres://u:secret@db:5432/x', region: 'eu' }), 'TARGET_INVALID');
    await expectCode(p.placement.directory.addTarget({ name: 'eu-1', url: serverUrl, region: 'eu' }), 'TARGET_EXISTS');
    await expectCode(p.placement.directory.addTarget({ name: 'home', url: serverUrl, region: 'eu' }), 'TARGET_INVALID');
    await p.placement.directory.addTarget({ name: 'eu-2', url: serverUrl, region: 'eu', weight: 3 });
    expect((await p.placement.directory.listTargets()).map((x) => [x.name, x.region, x.state])).toEqual([
      ['eu-1', 'eu', 'open'], ['eu-2', 'eu', 'open'], ['home', 'us', 'open'],
    ]);
    // Draining: keeps its tenants, takes no new one.
    await p.placement.directory.setTargetState('eu-2', 'draining');
    expect((await p.placement.choose({ tier: 'database', region: 'eu', residency: 'pinned' })).name).toBe('eu-1');
    await expectCode(p.placement.directory.setTargetState('nowhere', 'open'), 'TARGET_NOT_FOUND');
  });
});

describe('residency', () => {
  it('refuses a pinned tenant no open target of its tier is in the region of, and writes nothing', async () => {
    await expectCode(p.registry.create({ slug: 'pinned-ap', tier: 'database', region: 'ap', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    // The schema tier lives on the home target (us): a tenant pinned to eu cannot have it.
    await expectCode(p.registry.create({ slug: 'pinned-eu-schema', tier: 'schema', region: 'eu', residency: 'pinned' }), 'RESIDENCY_VIOLATION');
    expect(await p.registry.tryGetBySlug('pinned-ap')).toBeUndefined();
    expect(await p.registry.tryGetBySlug('pinned-eu-schema')).toBeUndefined();
  });

  it('places a pinned tenant in its region, and an unpinned one elsewhere when its region has no target', async () => {
    const eu = await p.create('pinned-eu', 'database', { region: 'eu', residency: 'pinned' });
    expect(await p.placement.directory.tryGetPlacement(eu.id)).toMatchObject({ tier: 'database', target: 'eu-1', region: 'eu', residency: 'pinned' });
    const loose = await p.create('loose-ap', 'schema', { region: 'ap' });
    expect(await p.placement.directory.tryGetPlacement(loose.id)).toMatchObject({ tier: 'schema', target: 'home', residency: 'preferred' });
  });

  it('chooses the tier by plan when none is asked for', async () => {
    expect(p.placement.tierFor('enterprise', undefined)).toBe('pooled');
    const ruled = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES], homeRegion: 'us', planTiers: { regulated: 'schema' } });
    try {
      const tenant = await ruled.registry.create({ slug: 'by-plan', plan: 'regulated' });
      expect(tenant.tier).toBe('schema');
    } finally {
      await ruled.close();
    }
  });
});

describe('the schema tier', () => {
  let a: Tenant;
  let b: Tenant;
  let pooled: Tenant;
  beforeAll(async () => {
    a = await p.create('schema-a', 'schema');
    b = await p.create('schema-b', 'schema');
    pooled = await p.create('pooled-c', 'pooled');
  });

  it('gives each tenant its own schema, migrated, its tables under row-level security', async () => {
    const schemas = await Promise.all([a, b].map(async (x) => (await p.placement.directory.tryGetPlacement(x.id))?.schema as string));
    expect(schemas[0]).toMatch(/^tenant_[0-9a-f]{32}$/);
    expect(schemas[0]).not.toBe(schemas[1]);
    const { rows } = await t.admin.query<{ schema: string; rls: boolean; force: boolean }>(
      `SELECT n.nspname AS schema, c.relrowsecurity AS rls, c.relforcerowsecurity AS force
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'notes' AND n.nspname = ANY($1) ORDER BY 1`,
      [schemas],
    );
    expect(rows).toEqual([...schemas].sort().map((schema) => ({ schema, rls: true, force: true })));
    const { rows: ledger } = await t.operator.query("SELECT tenant::text AS tenant_id, version, status FROM tenantry.tenant_migrations WHERE tenant = ANY($1) ORDER BY 1", [[a.id, b.id]]);
    expect(ledger).toEqual([a.id, b.id].sort().map((tenant_id) => ({ tenant_id, version: '0001', status: 'applied' })));
  });

  it('runs the same application SQL in each tenant\'s schema, and leaves the pooled connection as it found it', async () => {
    await p.db.withTenant(a.id, (s) => s.query("INSERT INTO notes (body) VALUES ('a1'), ('a2')"));
    await p.db.transaction(b.id, (tx) => tx.query("INSERT INTO notes (body) VALUES ('b1')"));
    await p.db.withTenant(pooled.id, (s) => s.query("INSERT INTO notes (body) VALUES ('c1')"));
    const schemaA = (await p.placement.directory.tryGetPlacement(a.id))?.schema as string;
    const schemaB = (await p.placement.directory.tryGetPlacement(b.id))?.schema as string;
    expect([await count(t.admin, `${schemaA}.notes`), await count(t.admin, `${schemaB}.notes`), await count(t.admin, 'public.notes')]).toEqual([2, 1, 1]);
    expect((await p.db.withTenant(a.id, (s) => s.query<{ body: string }>('SELECT body FROM notes ORDER BY body'))).rows.map((r) => r.body)).toEqual(['a1', 'a2']);
    // The search_path was transaction-local: the next statement on any connection of the pool
    // (pooled tenant, or none) sees the default again.
    for (let i = 0; i < 6; i += 1) {
      const { rows } = await p.db.withTenant(pooled.id, (s) => s.query<{ search_path: string }>('SHOW search_path'));
      expect(rows[0]?.search_path).toBe('"$user", public');
    }
  });

  it('keeps another tenant\'s schema out of reach: the guard refuses naming it, row-level security hides its rows', async () => {
    const schemaA = (await p.placement.directory.tryGetPlacement(a.id))?.schema as string;
    await expectCode(p.db.withTenant(b.id, (s) => s.query(`SELECT * FROM ${schemaA}.notes`)), 'ISOLATION_STATEMENT_REFUSED');
    // The second wall, with the guard off: the schema's rows belong to another tenant.
    const { createTenantDatabase } = await import('../postgres/index.js');
    const unguarded = createTenantDatabase({ pool: t.app, route: p.placement.route, sqlGuard: 'off' });
    expect((await unguarded.withTenant(b.id, (s) => s.query(`SELECT * FROM ${schemaA}.notes`))).rows).toEqual([]);
    await expectCode(unguarded.withTenant(b.id, (s) => s.query(`INSERT INTO ${schemaA}.notes (tenant_id, body) VALUES ($1, 'x')`, [a.id])), 'ISOLATION_VIOLATION');
  });

  it('drops the tenant\'s schema when the tenant is deleted', async () => {
    const gone = await p.create('schema-gone', 'schema');
    const schema = (await p.placement.directory.tryGetPlacement(gone.id))?.schema as string;
    await p.registry.offboard(gone.id);
    await p.registry.delete(gone.id);
    const { rows } = await t.admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(rows).toEqual([]);
  });
});

describe('the database tier', () => {
  it('serves a tenant from its own database, and its gate follows the registry\'s lifecycle', async () => {
    const d = await p.create('database-d', 'database', { region: 'eu' });
    await p.db.withTenant(d.id, (s) => s.query("INSERT INTO notes (body) VALUES ('d1')"));
    const own = await p.adminFor(d);
    expect(await count(own.pool, 'public.notes')).toBe(1);
    expect(await count(t.admin, 'public.notes WHERE tenant_id = \'' + d.id + '\'')).toBe(0);
    await p.registry.suspend(d.id);
    await expectCode(p.db.withTenant(d.id, (s) => s.query('SELECT * FROM notes')), 'TENANT_SUSPENDED');
    await p.registry.restore(d.id);
    expect((await p.db.withTenant(d.id, (s) => s.query('SELECT body FROM notes'))).rows).toEqual([{ body: 'd1' }]);
    // Provisioning again (an interrupted create re-run) finds its database and changes nothing.
    await p.placement.provision(await p.registry.get(d.id));
    expect((await p.db.withTenant(d.id, (s) => s.query('SELECT body FROM notes'))).rows).toEqual([{ body: 'd1' }]);
  });
});

describe('migrations across tenants', () => {
  it('applies a new migration to every schema and database, reports a failing tenant, and resumes', async () => {
    const before = await p.placement.migrateTenants();
    expect(before.failed).toBe(0);
    expect(before.applied).toBe(0);
    const tenants = before.tenants.map((s) => s.tenantId);
    expect(tenants.length).toBeGreaterThanOrEqual(4);
    // One tenant already has the column the migration adds: it fails there, alone.
    const victim = (await p.registry.getBySlug('schema-b'));
    const victimSchema = (await p.placement.directory.tryGetPlacement(victim.id))?.schema as string;
    await t.admin.query(`ALTER TABLE ${victimSchema}.notes ADD COLUMN pinned boolean`);
    const ADD = testMigration('0002', 'pinned', 'ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false');
    const next = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES, ADD], homeRegion: 'us' });
    try {
      const dry = await next.placement.migrateTenants({ dryRun: true });
      expect(dry.pending).toBe(tenants.length);
      const seen: string[] = [];
      const run = await next.placement.migrateTenants({ concurrency: 3, onTenant: (s) => seen.push(s.outcome) });
      expect([run.applied, run.failed]).toEqual([tenants.length - 1, 1]);
      expect(run.tenants.find((s) => s.outcome === 'failed')).toMatchObject({ tenantId: victim.id, error: expect.stringContaining('pinned') as unknown });
      expect(seen).toHaveLength(tenants.length);
      // The database-tier tenant got the column in its own database.
      const d = await p.registry.getBySlug('database-d');
      expect((await p.db.withTenant(d.id, (s) => s.query('SELECT pinned FROM notes'))).rows).toEqual([{ pinned: false }]);
      // Fix the data, run again: only the failed tenant is migrated.
      await t.admin.query(`ALTER TABLE ${victimSchema}.notes DROP COLUMN pinned`);
      const again = await next.placement.migrateTenants();
      expect([again.applied, again.unchanged, again.failed]).toEqual([1, tenants.length - 1, 0]);
      const { rows } = await t.operator.query<{ status: string; n: string }>("SELECT status, count(*) AS n FROM tenantry.tenant_migrations WHERE version = '0002' GROUP BY 1");
      expect(rows).toEqual([{ status: 'applied', n: String(tenants.length) }]);
    } finally {
      await next.close();
    }
  });
});

describe('the bound on database-tier connections', () => {
  it('never holds more than maxConnections, closing the least recently used idle pool, and waits when all are busy', async () => {
    const bounded = await createTestPlacement({ t, adminUrl, passwords, migrations: [NOTES], homeRegion: 'us', maxConnections: 2, poolSize: 1, acquireTimeoutMs: 200 });
    // Called in `finally` too: a failed assertion must not leave holders that close() would wait for.
    let letGo = (): void => {};
    try {
      const tenants: Tenant[] = [];
      for (let i = 0; i < 3; i += 1) tenants.push(await bounded.create(`bounded-${i}`, 'database', { region: 'eu' }));
      const names = await Promise.all(tenants.map(async (x) => (await bounded.placement.directory.tryGetPlacement(x.id))?.database as string));
      const appConnections = async () => Number((await t.admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'tenantry_app' AND datname = ANY($1)`, [names])).rows[0]?.n);
      for (let round = 0; round < 2; round += 1) {
        for (const x of tenants) {
          await bounded.db.withTenant(x.id, (s) => s.query('SELECT count(*) FROM notes'));
          expect(await appConnections()).toBeLessThanOrEqual(2);
          expect(bounded.placement.poolStats().reservedConnections).toBeLessThanOrEqual(2);
        }
      }
      expect(bounded.placement.poolStats().closed).toBeGreaterThanOrEqual(4);
      // Two tenants hold both slots: a third waits, and gets one when the first lets go.
      const held = new Promise<void>((resolve) => { letGo = resolve; });
      const holding: Promise<void>[] = [];
      const holders = [0, 1].map((i) => {
        let holds!: () => void;
        holding.push(new Promise<void>((resolve) => { holds = resolve; }));
        return bounded.db.withTenant((tenants[i] as Tenant).id, async (s) => { await s.query('SELECT 1'); holds(); await held; });
      });
      await Promise.all(holding);
      await expectCode(bounded.db.withTenant((tenants[2] as Tenant).id, (s) => s.query('SELECT 1')), 'PLACEMENT_CONNECTIONS_EXHAUSTED');
      const waiting = bounded.db.withTenant((tenants[2] as Tenant).id, (s) => s.query('SELECT 1'));
      letGo();
      await Promise.all([...holders, waiting]);
      expect(await appConnections()).toBeLessThanOrEqual(2);
    } finally {
      letGo();
      await bounded.close();
    }
  });
});

describe('the isolation verifier on every tier', () => {
  it('checks the schema-tier tables in the control database and a database-tier tenant\'s database, and finds a broken one', async () => {
    const { verifyIsolation } = await import('../verify/index.js');
    const schemaTenant = await p.registry.getBySlug('schema-a');
    const schema = (await p.placement.directory.tryGetPlacement(schemaTenant.id))?.schema as string;
    const home = await verifyIsolation({ admin: t.admin });
    expect(home.findings).toEqual([]);
    expect(home.tenantTables).toContain(`${schema}.notes`);
    const own = await p.adminFor(await p.registry.getBySlug('database-d'));
    const report = await verifyIsolation({ admin: own.pool });
    expect(report.findings).toEqual([]);
    expect(report.tenantTables).toContain('public.notes');
    await t.admin.query(`ALTER TABLE ${schema}.notes NO FORCE ROW LEVEL SECURITY`);
    try {
      expect((await verifyIsolation({ admin: t.admin, probe: 'skip' })).findings.map((f) => f.object)).toContain(`${schema}.notes`);
    } finally {
      await t.admin.query(`ALTER TABLE ${schema}.notes FORCE ROW LEVEL SECURITY`);
    }
  });
});

describe('the route cache', () => {
  it('costs a pooled tenant one directory read per instance, then nothing per call', async () => {
    const { createPlacement } = await import('./index.js');
    const { pgPool } = await import('../postgres/pg.js');
    let reads = 0;
    const counted = { ...t.operator, query: ((text: string, values?: readonly unknown[]) => { reads += 1; return t.operator.query(text, values); }) as typeof t.operator.query };
    const instance = createPlacement({ operator: counted, app: t.app, admin: t.admin, connect: (c) => pgPool(c), adminUrl: () => adminUrl });
    const db = instance.database();
    const tenant = await p.create('pooled-hot', 'pooled');
    for (let i = 0; i < 5; i += 1) await db.withTenant(tenant.id, (s) => s.query('SELECT count(*) FROM notes'));
    expect(reads).toBe(1);
    await instance.close();
  });

  it('answers from memory, and drops a tenant on every instance when its placement changes', async () => {
    const { memoryChangeFeed } = await import('../redis/index.js');
    const { createPlacement, PLACEMENTS_TOPIC } = await import('./index.js');
    const { pgPool } = await import('../postgres/pg.js');
    const feed = memoryChangeFeed();
    const instance = createPlacement({ operator: t.operator, app: t.app, admin: t.admin, connect: (c) => pgPool(c), adminUrl: () => adminUrl, changeFeed: feed });
    await instance.ready();
    try {
      const tenant = await p.create('cached-schema', 'schema');
      expect((await instance.route(tenant.id)).searchPath).toMatch(/^"tenant_[0-9a-f]{32}"$/);
      // Changed behind the cache's back: the instance still routes from memory …
      await t.admin.query("UPDATE tenantry.placements SET tier = 'pooled', schema_name = NULL WHERE tenant = $1", [tenant.id]);
      expect((await instance.route(tenant.id)).searchPath).toBeDefined();
      // … until the change is announced.
      await feed.publish(PLACEMENTS_TOPIC, tenant.id);
      expect((await instance.route(tenant.id)).searchPath).toBeUndefined();
    } finally {
      await instance.close();
    }
  });
});
