// openDatabase against a real PostgreSQL: it migrates, serves only through the app and
// operator roles, keeps no admin connection, and close() really closes.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantryMigrations } from 'tenantry/postgres';
import { memoryChangeFeed } from 'tenantry/redis';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase, type ServerDatabase } from './open-database.js';

const logger = createLogger({ level: 'silent' });
const passwords = inject('rolePasswords');
const configFor = (databaseUrl: string) =>
  resolveConfig({ databaseUrl, appPassword: passwords.app, operatorPassword: passwords.operator, logLevel: 'silent' });
let t: TestTenantry;
let database: ServerDatabase;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: passwords, tenants: 0 });
  database = await openDatabase(configFor(t.url), { logger });
});
afterAll(async () => {
  await database?.close();
  await t?.close();
});

describe('openDatabase', () => {
  it('logs the app pool in as the app role and the operator pool as the operator role', async () => {
    const who = async (pool: ServerDatabase['app']) => (await pool.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u;
    expect(await who(database.app)).toBe('tenantry_app');
    expect(await who(database.operator)).toBe('tenantry_operator');
  });

  it('keeps no admin connection open once it is wired', async () => {
    await database.registry.list();
    const { rows } = await t.admin.query<{ user: string; app: string }>(
      `SELECT usename AS user, application_name AS app FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'tenantry-%'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.app === 'tenantry-migrate' || !['tenantry_app', 'tenantry_operator'].includes(r.user))).toEqual([]);
  });

  it('creates tenants through the registry it wires', async () => {
    const tenant = await database.registry.create({ slug: 'wired' });
    expect((await t.registry.get(tenant.id)).status).toBe('active');
  });

  it('migrates a database that was never migrated', async () => {
    const name = `tenantry_fresh_${process.pid}_${Date.now().toString(36)}`;
    const server = new pg.Client({ connectionString: inject('adminUrl') });
    await server.connect();
    await server.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    const url = new URL(inject('adminUrl'));
    url.pathname = `/${name}`;
    try {
      const fresh = await openDatabase(configFor(url.toString()), { logger });
      try {
        expect(fresh.migrations.applied).toEqual((await tenantryMigrations()).map((m) => m.version));
        expect((await fresh.registry.list()).tenants).toEqual([]);
      } finally {
        await fresh.close();
      }
    } finally {
      await server.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await server.end();
    }
  });

  it('ends both pools on close(), and a second close() is harmless', async () => {
    const other = await openDatabase(configFor(t.url), { logger });
    await other.close();
    await other.close();
    await expect(other.operator.query('SELECT 1')).rejects.toThrow();
    await expect(other.app.query('SELECT 1')).rejects.toThrow();
  });
});

describe('openDatabase with a change feed: plan limits (docs/noisy-neighbours.md)', () => {
  it("runs each tenant's statements under its plan's timeouts, and follows a plan change", async () => {
    const fed = await openDatabase(configFor(t.url), { logger, control: { changeFeed: memoryChangeFeed() } });
    try {
      await fed.registry.ready();
      const free = await fed.registry.create({ slug: 'limits-free', plan: 'free' });
      const pro = await fed.registry.create({ slug: 'limits-pro', plan: 'pro' });
      const timeout = async (id: string) => (await fed.db.withTenant(id, (s) => s.query<{ v: string }>(`SELECT current_setting('statement_timeout') AS v`))).rows[0]?.v;
      expect([await timeout(free.id), await timeout(pro.id)]).toEqual(['10s', '20s']);
      await fed.registry.update(free.id, { plan: 'pro' });
      expect(await timeout(free.id)).toBe('20s');
    } finally {
      await fed.close();
    }
  });
});
