// Versioned SQL migrations: checksummed, applied once each in its own transaction, serialized
// across processes by an advisory lock, and refused when an applied file was edited.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { postgresErrors, toTenantryError } from './errors.js';
import { resolveRoleNames, type RoleNames, type RolePasswords } from './roles.js';
import type { SqlConnection, SqlPool } from './sql-client.js';
import { quoteIdentifier, quoteLiteral } from './quote.js';

/** One migration file. `version` is its numeric prefix; `checksum` is SHA-256 of the file as written. */
export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
  /** `owner` (default): objects are created owned by the owner role. `admin`: runs as the migrator (roles). */
  readonly runAs: 'owner' | 'admin';
}

export interface MigrateOptions {
  /** A pool logged in as a superuser or a role with CREATEROLE that may act as the owner. */
  readonly admin: SqlPool;
  readonly roles?: Partial<RoleNames>;
  /** Set on the login roles after migrating, when given. */
  readonly passwords?: RolePasswords;
  /** Defaults to Tenantry's own migrations; an application can run its own under another namespace. */
  readonly migrations?: readonly Migration[];
  readonly namespace?: string;
}

export interface MigrateResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

const FILE_NAME = /^(\d{4,})_([a-z0-9_]+)\.sql$/;

/**
 * Reads `NNNN_name.sql` files from a directory, ordered by version.
 *
 * @example const appMigrations = await loadMigrations(new URL('./migrations/', import.meta.url));
 */
export async function loadMigrations(dir: URL | string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => FILE_NAME.test(name)).sort();
  const base = typeof dir === 'string' ? dir.replace(/\/?$/, '/') : dir;
  return Promise.all(
    names.map(async (file) => {
      const [, version, name] = FILE_NAME.exec(file) as RegExpExecArray;
      const sql = await readFile(typeof base === 'string' ? base + file : new URL(file, base), 'utf8');
      return {
        version: version as string,
        name: name as string,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
        runAs: /^--\s*tenantry:run-as admin\s*$/m.test(sql) ? 'admin' : 'owner',
      } satisfies Migration;
    }),
  );
}

/** Tenantry's own schema migrations (shipped beside this file). */
export function tenantryMigrations(): Promise<Migration[]> {
  return loadMigrations(new URL('./migrations/', import.meta.url));
}

/** A migration's SQL with its role and database placeholders filled in. */
export function renderMigration(sql: string, roles: RoleNames, database: string): string {
  const values: Record<string, string> = { owner: roles.owner, app: roles.app, operator: roles.operator, database };
  return sql.replace(/\{\{(\w+)(:literal)?\}\}/g, (_, key: string, literal: string | undefined) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown migration placeholder {{${key}}}`);
    return literal ? quoteLiteral(value) : quoteIdentifier(value);
  });
}

// One key for every process migrating this database (advisory locks are per database).
const LOCK_SQL = "SELECT pg_advisory_lock(hashtextextended('tenantry.migrations', 0))";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('tenantry.migrations', 0))";

async function ensureLedger(connection: SqlConnection): Promise<void> {
  await connection.query(`
    CREATE SCHEMA IF NOT EXISTS tenantry;
    CREATE TABLE IF NOT EXISTS tenantry.schema_migrations (
      namespace text NOT NULL,
      version text NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (namespace, version)
    )`);
}

/**
 * Applies the migrations not yet applied, in version order. Before applying anything it
 * checks every applied migration against its file and refuses (MIGRATION_CHECKSUM_MISMATCH,
 * MIGRATION_MISSING) if one was edited or removed. Safe to call from many processes at once.
 *
 * @example await migrate({ admin: pgPool({ connectionString: process.env.DATABASE_URL }) });
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const roles = resolveRoleNames(options.roles);
  const namespace = options.namespace ?? 'tenantry';
  const migrations = options.migrations ?? (await tenantryMigrations());
  let connection: SqlConnection;
  try {
    connection = await options.admin.connect();
  } catch (err) {
    throw toTenantryError(err);
  }
  let broken: Error | undefined;
  try {
    await connection.query(LOCK_SQL);
    try {
      await ensureLedger(connection);
      const { rows } = await connection.query<{ version: string; checksum: string }>(
        'SELECT version, checksum FROM tenantry.schema_migrations WHERE namespace = $1',
        [namespace],
      );
      const applied = new Map(rows.map((row) => [row.version, row.checksum]));
      const byVersion = new Map(migrations.map((m) => [m.version, m]));
      for (const [version, checksum] of applied) {
        const file = byVersion.get(version);
        if (!file) throw postgresErrors.create('MIGRATION_MISSING', { details: { namespace, version } });
        if (file.checksum !== checksum) throw postgresErrors.create('MIGRATION_CHECKSUM_MISMATCH', { details: { namespace, version, name: file.name } });
      }
      const { rows: [db] } = await connection.query<{ name: string }>('SELECT current_database() AS name');
      const done: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        const sql = renderMigration(migration.sql, roles, (db as { name: string }).name);
        await retryingCatalogRaces(() => applyOne(connection, migration, namespace, sql, roles));
        done.push(migration.version);
      }
      for (const role of ['app', 'operator'] as const) {
        const password = options.passwords?.[role];
        if (password === undefined) continue;
        await retryingCatalogRaces(() => connection.query(`ALTER ROLE ${quoteIdentifier(roles[role])} PASSWORD ${quoteLiteral(password)}`));
      }
      return { applied: done, alreadyApplied: [...applied.keys()] };
    } finally {
      await connection.query(UNLOCK_SQL);
    }
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw toTenantryError(err);
  } finally {
    connection.release(broken);
  }
}

/**
 * Roles are cluster-wide but the advisory lock is per database, so migrators of two databases
 * of one cluster can update the same role row at once; PostgreSQL then fails one of them with
 * "tuple concurrently updated" (XX000) instead of waiting. The loser rolled back: run it again.
 */
async function retryingCatalogRaces<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      const code = (cause as { code?: string }).code;
      const race = (code === 'XX000' && /tuple concurrently (updated|deleted)/.test((cause as Error).message)) || code === '40001' || code === '40P01' || code === '23505';
      if (!race || attempt >= 8) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.floor(Math.random() * 30)));
    }
  }
}

async function applyOne(connection: SqlConnection, migration: Migration, namespace: string, sql: string, roles: RoleNames): Promise<void> {
  await connection.query('BEGIN');
  try {
    if (migration.runAs === 'owner') await connection.query(`SET LOCAL ROLE ${quoteIdentifier(roles.owner)}`);
    await connection.query(sql);
    if (migration.runAs === 'owner') await connection.query('RESET ROLE');
    await connection.query(
      'INSERT INTO tenantry.schema_migrations (namespace, version, name, checksum) VALUES ($1, $2, $3, $4)',
      [namespace, migration.version, migration.name, migration.checksum],
    );
    await connection.query('COMMIT');
  } catch (cause) {
    await connection.query('ROLLBACK');
    throw postgresErrors.create('MIGRATION_FAILED', { details: { namespace, version: migration.version, name: migration.name }, cause });
  }
}
