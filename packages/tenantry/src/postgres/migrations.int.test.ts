// migrate() against fresh databases: each version applied once (also under concurrent
// migrators), edited or missing applied files refused, a failing migration rolled back whole,
// namespaces kept apart — and the roles left as docs/isolation-rules.md rule 1 wants them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { pgPool } from './drivers/pg.js';
import { loadMigrations, migrate, tenantryMigrations, type Migration } from './migrations.js';
import { roleUrl, type RoleNames } from './roles.js';
import type { SqlPool } from './sql-client.js';
import { errorOf } from '../testing/index.js';

const adminUrl = inject('adminUrl');
const passwords = inject('rolePasswords');
// Roles are cluster-wide: this file migrates with its own, so its many migrations can never
// collide with the default roles other test files are migrating at the same time.
const suffix = randomBytes(4).toString('hex');
const roles: RoleNames = { owner: `tenantry_m${suffix}_owner`, app: `tenantry_m${suffix}_app`, operator: `tenantry_m${suffix}_operator` };
const { app, operator, owner } = roles;

interface FreshDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: SqlPool;
}
const created: FreshDatabase[] = [];
const extraPools: SqlPool[] = [];

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server, as the admin; dropped in afterAll. */
async function freshDatabase(): Promise<FreshDatabase> {
  const name = `tenantry_migr_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = { name, url: url.toString(), pool: pgPool({ connectionString: url.toString(), max: 2 }) };
  created.push(db);
  return db;
}

function poolFor(url: string): SqlPool {
  const pool = pgPool({ connectionString: url, max: 1 });
  extraPools.push(pool);
  return pool;
}

function migration(version: string, name: string, sql: string): Migration {
  return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex'), runAs: 'owner' };
}

const ledger = async (db: FreshDatabase, namespace = 'tenantry') =>
  (await db.pool.query<{ version: string; checksum: string }>('SELECT version, checksum FROM tenantry.schema_migrations WHERE namespace = $1 ORDER BY version', [namespace])).rows;
const exists = async (db: FreshDatabase, relation: string) =>
  (await db.pool.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [relation])).rows[0]?.found;

let own: Migration[];
let versions: string[];
let migrated: FreshDatabase;

beforeAll(async () => {
  own = await tenantryMigrations();
  versions = own.map((m) => m.version);
  migrated = await freshDatabase();
  await migrate({ roles, admin: migrated.pool, passwords });
});

afterAll(async () => {
  await Promise.all([...created.map((db) => db.pool.end()), ...extraPools.map((p) => p.end())]);
  await Promise.all(created.map((db) => onServer(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`)));
  await onServer(`DROP ROLE IF EXISTS ${[owner, app, operator].map((r) => pg.escapeIdentifier(r)).join(', ')}`);
});

describe('migrate', () => {
  it('applies every version once on a fresh database, and none on the second run', async () => {
    const db = await freshDatabase();
    const first = await migrate({ roles, admin: db.pool, passwords });
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(first).toEqual({ applied: versions, alreadyApplied: [] });
    const second = await migrate({ roles, admin: db.pool, passwords });
    expect(second.applied).toEqual([]);
    expect([...second.alreadyApplied].sort()).toEqual(versions);
    expect(await ledger(db)).toEqual(own.map((m) => ({ version: m.version, checksum: m.checksum })));
    expect(await exists(db, 'tenantry.tenants')).toBe(true);
  });

  it('lets two migrators race on a fresh database: both succeed and each version is recorded once', async () => {
    const db = await freshDatabase();
    const [one, two] = await Promise.all([migrate({ roles, admin: poolFor(db.url), passwords }), migrate({ roles, admin: poolFor(db.url), passwords })]);
    // The advisory lock makes one wait for the other; the second then finds everything applied.
    expect([one?.applied, two?.applied]).toContainEqual(versions);
    expect([one?.applied, two?.applied]).toContainEqual([]);
    expect((await ledger(db)).map((r) => r.version)).toEqual(versions);
  });

  // Bug: 0001_roles ALTERs cluster-wide roles under a per-database advisory lock, so migrating two
  // databases of one cluster at once fails with "tuple concurrently updated" (MIGRATION_FAILED).
  it('migrates several databases of one cluster at the same time', async () => {
    const failures: unknown[] = [];
    for (let round = 0; round < 2; round += 1) {
      const dbs = await Promise.all([freshDatabase(), freshDatabase(), freshDatabase()]);
      const results = await Promise.allSettled(dbs.map((db) => migrate({ roles, admin: db.pool, passwords })));
      for (const r of results) {
        if (r.status === 'rejected') {
          const err = r.reason as { code?: string; cause?: { message?: string } };
          failures.push(`${err.code}: ${err.cause?.message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses an applied migration whose file was edited, and applies nothing', async () => {
    const edited = own.map((m) => (m.version === '0002' ? migration(m.version, m.name, `${m.sql}\n-- a later edit\n`) : m));
    const err = await errorOf(migrate({ roles, admin: migrated.pool, migrations: [...edited, migration('9001', 'after_edit', 'CREATE TABLE after_edit (id int)')] }));
    expect(isTenantryError(err, 'MIGRATION_CHECKSUM_MISMATCH')).toBe(true);
    expect((err as { details: object }).details).toMatchObject({ namespace: 'tenantry', version: '0002' });
    expect(await exists(migrated, 'public.after_edit')).toBe(false);
    expect((await ledger(migrated)).map((r) => r.version)).toEqual(versions);
  });

  it('refuses when an applied migration has no file, and applies nothing', async () => {
    const withoutRegistry = own.filter((m) => m.version !== '0002');
    const err = await errorOf(migrate({ roles, admin: migrated.pool, migrations: [...withoutRegistry, migration('9002', 'after_gap', 'CREATE TABLE after_gap (id int)')] }));
    expect(isTenantryError(err, 'MIGRATION_MISSING')).toBe(true);
    expect((err as { details: object }).details).toMatchObject({ namespace: 'tenantry', version: '0002' });
    expect(await exists(migrated, 'public.after_gap')).toBe(false);
    expect((await ledger(migrated)).map((r) => r.version)).toEqual(versions);
  });

  it('rolls a failing migration back whole, keeps the ones before it, and applies it once fixed', async () => {
    const db = await freshDatabase();
    await migrate({ roles, admin: db.pool, passwords });
    const good = migration('0100', 'kept', 'CREATE TABLE kept (id int)');
    const bad = migration('0101', 'broken', `CREATE TABLE partial_one (id int);
      CREATE INDEX partial_one_id ON partial_one (id);
      ALTER TABLE kept ADD COLUMN partial_column int;
      SELECT 1 / 0;`);
    const err = await errorOf(migrate({ roles, admin: db.pool, migrations: [...own, good, bad] }));
    expect(isTenantryError(err, 'MIGRATION_FAILED')).toBe(true);
    expect((err as { details: object }).details).toMatchObject({ namespace: 'tenantry', version: '0101', name: 'broken' });
    expect((err as Error).cause).toMatchObject({ code: '22012' });
    expect(await exists(db, 'public.kept')).toBe(true);
    expect(await exists(db, 'public.partial_one')).toBe(false);
    expect(await exists(db, 'public.partial_one_id')).toBe(false);
    const columns = await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'kept' AND column_name = 'partial_column'`);
    expect(columns.rows).toEqual([]);
    expect((await ledger(db)).map((r) => r.version)).toEqual([...versions, '0100']);

    const fixed = migration('0101', 'broken', 'CREATE TABLE partial_one (id int)');
    expect((await migrate({ roles, admin: db.pool, migrations: [...own, good, fixed] })).applied).toEqual(['0101']);
    expect(await exists(db, 'public.partial_one')).toBe(true);
  });

  it("tracks an application's own namespace apart from Tenantry's", async () => {
    const db = await freshDatabase();
    await migrate({ roles, admin: db.pool, passwords });
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-app-migrations-'));
    try {
      await writeFile(join(dir, '0002_note_index.sql'), 'CREATE INDEX notes_body ON notes (tenant_id, body);');
      await writeFile(join(dir, '0001_notes.sql'), 'CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text, PRIMARY KEY (tenant_id, id));');
      await writeFile(join(dir, 'README.md'), 'not a migration');
      await writeFile(join(dir, '1_too_short.sql'), 'SELECT 1');
      await writeFile(join(dir, '0003_Bad-Name.sql'), 'SELECT 1');
      const appMigrations = await loadMigrations(dir);
      expect(appMigrations.map((m) => [m.version, m.name, m.runAs])).toEqual([['0001', 'notes', 'owner'], ['0002', 'note_index', 'owner']]);

      expect(await migrate({ roles, admin: db.pool, migrations: appMigrations, namespace: 'app' })).toEqual({ applied: ['0001', '0002'], alreadyApplied: [] });
      // Tenantry's namespace is untouched: nothing new, and the app's 0001 is not taken for its own.
      expect(await migrate({ roles, admin: db.pool, passwords })).toEqual({ applied: [], alreadyApplied: expect.arrayContaining(versions) as unknown });
      expect(await migrate({ roles, admin: db.pool, migrations: appMigrations, namespace: 'app' })).toMatchObject({ applied: [] });
      expect((await ledger(db, 'app')).map((r) => r.version)).toEqual(['0001', '0002']);
      expect((await ledger(db)).map((r) => r.version)).toEqual(versions);
      const { rows } = await db.pool.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'notes'`);
      expect(rows).toEqual([{ owner }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs a migration marked `tenantry:run-as admin` as the migrator, others as the owner role', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-app-migrations-'));
    try {
      await writeFile(join(dir, '0001_as_owner.sql'), 'CREATE TABLE made_by_owner (id int);');
      await writeFile(join(dir, '0002_as_admin.sql'), '-- tenantry:run-as admin\nCREATE TABLE made_by_admin (id int);');
      const loaded = await loadMigrations(dir);
      expect(loaded.map((m) => m.runAs)).toEqual(['owner', 'admin']);
      await migrate({ roles, admin: migrated.pool, migrations: loaded, namespace: 'run_as' });
      const { rows } = await migrated.pool.query<{ table: string; owner: string }>(
        `SELECT tablename AS table, tableowner AS owner FROM pg_tables WHERE tablename IN ('made_by_owner', 'made_by_admin') ORDER BY 1`,
      );
      expect(rows.find((r) => r.table === 'made_by_owner')?.owner).toBe(owner);
      expect(rows.find((r) => r.table === 'made_by_admin')?.owner).not.toBe(owner);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the roles after migrate', () => {
  const privilege = async (sql: string, values: unknown[]) => (await migrated.pool.query<{ ok: boolean }>(sql, values)).rows[0]?.ok;

  it('makes the app and operator roles log in without superuser, BYPASSRLS, CREATEDB or CREATEROLE', async () => {
    const { rows } = await migrated.pool.query(
      `SELECT rolname, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication, rolcanlogin
         FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [[app, operator]],
    );
    const flags = { rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolcanlogin: true };
    expect(rows).toEqual([{ rolname: app, ...flags }, { rolname: operator, ...flags }].sort((x, y) => x.rolname.localeCompare(y.rolname)));
  });

  it('leaves the app role owning nothing and unable to act as the owner', async () => {
    const { rows } = await migrated.pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM pg_class WHERE relowner = $1::regrole)
            + (SELECT count(*) FROM pg_namespace WHERE nspowner = $1::regrole)
            + (SELECT count(*) FROM pg_proc WHERE proowner = $1::regrole) AS n`,
      [app],
    );
    expect(rows[0]?.n).toBe('0');
    expect(await privilege(`SELECT pg_has_role($1, $2, 'MEMBER') AS ok`, [app, owner])).toBe(false);
    expect(await privilege(`SELECT pg_has_role($1, $2, 'MEMBER') AS ok`, [app, operator])).toBe(false);
  });

  it("gives the app role no TRUNCATE, REFERENCES or TRIGGER on Tenantry's tables, and no write to the registry", async () => {
    for (const table of ['tenantry.tenants', 'tenantry.isolated_tables', 'tenantry.schema_migrations']) {
      for (const priv of ['TRUNCATE', 'REFERENCES', 'TRIGGER', 'INSERT', 'UPDATE', 'DELETE']) {
        expect(await privilege('SELECT has_table_privilege($1, $2, $3) AS ok', [app, table, priv]), `${priv} on ${table}`).toBe(false);
      }
    }
    expect(await privilege('SELECT has_table_privilege($1, $2, $3) AS ok', [app, 'tenantry.schema_migrations', 'SELECT'])).toBe(false);
  });

  it('keeps the app role from creating anything in public or tenantry, or a temporary table', async () => {
    for (const schema of ['public', 'tenantry']) {
      expect(await privilege('SELECT has_schema_privilege($1, $2, $3) AS ok', [app, schema, 'CREATE']), schema).toBe(false);
    }
    for (const priv of ['CREATE', 'TEMPORARY']) {
      expect(await privilege('SELECT has_database_privilege($1, current_database(), $2) AS ok', [app, priv]), priv).toBe(false);
    }
    const asApp = poolFor(roleUrl(migrated.url, app, passwords.app));
    for (const statement of ['CREATE TABLE public.app_made (id int)', 'CREATE TABLE tenantry.app_made (id int)', 'CREATE TEMPORARY TABLE app_temp (id int)']) {
      const err = await errorOf(asApp.query(statement));
      expect((err as { code?: string }).code, statement).toBe('42501');
    }
  });

  it('sets statement, lock and idle-in-transaction timeouts for the app role', async () => {
    const asApp = poolFor(roleUrl(migrated.url, app, passwords.app));
    const { rows } = await asApp.query<{ name: string; ms: string }>(
      `SELECT name, setting AS ms FROM pg_settings
        WHERE name IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout') ORDER BY name`,
    );
    expect(rows.map((r) => r.name)).toEqual(['idle_in_transaction_session_timeout', 'lock_timeout', 'statement_timeout']);
    for (const r of rows) expect(Number(r.ms), r.name).toBeGreaterThan(0);
  });
});
