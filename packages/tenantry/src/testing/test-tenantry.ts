// createTestTenantry: a fresh database per test file (migrated, with the three role pools, a
// tenant database and registry, and N active tenants), dropped again by close().
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Clock, Tenant } from '../core/index.js';
import { createTenantRegistry, type TenantRegistry } from '../control/index.js';
import {
  createTenantDatabase, DEFAULT_ROLE_NAMES, migrate, pgPool, roleUrl,
  type RolePasswords, type SqlPool, type TenantDatabase,
} from '../postgres/index.js';

export interface TestTenantryOptions {
  /** A URL that may CREATE DATABASE and CREATE ROLE (a superuser in a test cluster). */
  readonly adminUrl: string;
  readonly rolePasswords?: RolePasswords;
  /** How many active tenants to create (slugs `tenant-0`, `tenant-1`, …). Default 2. */
  readonly tenants?: number;
  /** Connections in the app pool. Default 4. */
  readonly appPoolSize?: number;
  /** Connections in the operator pool. Default 2; 1 shows a code path that holds one connection while it waits for another. */
  readonly operatorPoolSize?: number;
  /** The registry's clock (tenants' created and status-change times). Default: the system clock. */
  readonly clock?: Clock;
}

export interface TestTenantry {
  /** The test database, as the admin. */
  readonly url: string;
  /** The test database, as the app role. */
  readonly appUrl: string;
  readonly admin: SqlPool;
  readonly app: SqlPool;
  readonly operator: SqlPool;
  readonly db: TenantDatabase;
  readonly registry: TenantRegistry;
  readonly tenants: readonly Tenant[];
  /** Ends the pools and drops the database. */
  close(): Promise<void>;
}

/**
 * @example
 * const t = await createTestTenantry({ adminUrl: inject('adminUrl'), tenants: 2 });
 * afterAll(() => t.close());
 */
export async function createTestTenantry(options: TestTenantryOptions): Promise<TestTenantry> {
  const name = `tenantry_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const server = new pg.Client({ connectionString: options.adminUrl });
  await server.connect();
  try {
    await server.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await server.end();
  }
  const url = new URL(options.adminUrl);
  url.pathname = `/${name}`;
  const passwords = options.rolePasswords ?? {};
  const admin = pgPool({ connectionString: url.toString(), max: 2 });
  await migrate({ admin, passwords });
  const appUrl = roleUrl(url.toString(), DEFAULT_ROLE_NAMES.app, passwords.app);
  const app = pgPool({ connectionString: appUrl, max: options.appPoolSize ?? 4 });
  const operator = pgPool({ connectionString: roleUrl(url.toString(), DEFAULT_ROLE_NAMES.operator, passwords.operator), max: options.operatorPoolSize ?? 2 });
  const db = createTenantDatabase({ pool: app });
  const registry = createTenantRegistry({ operator, data: db, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const tenants: Tenant[] = [];
  for (let i = 0; i < (options.tenants ?? 2); i += 1) tenants.push(await registry.create({ slug: `tenant-${i}` }));
  return {
    url: url.toString(),
    appUrl,
    admin,
    app,
    operator,
    db,
    registry,
    tenants,
    async close() {
      await Promise.all([app.end(), operator.end(), admin.end()]);
      const drop = new pg.Client({ connectionString: options.adminUrl });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}
