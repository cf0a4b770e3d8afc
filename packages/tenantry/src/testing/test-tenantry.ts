// createTestTenantry: a fresh database per test file (migrated, with the three role pools, a
// tenant database and registry, and N active tenants), dropped again by close().
import { randomBytes } from 'node:crypto';
import type { Clock, Tenant } from '../core/index.js';
import { createTenantRegistry, type TenantRegistry } from '../control/index.js';
import {
  createTenantDatabase, DEFAULT_ROLE_NAMES, migrate, quoteIdentifier, roleUrl,
  type RolePasswords, type SqlPool, type TenantDatabase,
} from '../postgres/index.js';

/** Makes a pool of `max` connections to `connectionString` with the driver of the caller's choice. */
export type TestPoolFactory = (config: { readonly connectionString: string; readonly max: number }) => SqlPool;

/** pg's pool, loaded only when asked for: `tenantry/testing` itself does not need `pg` installed. */
async function defaultPoolFactory(): Promise<TestPoolFactory> {
  const { pgPool } = await import('../postgres/drivers/pg.js');
  return (config) => pgPool(config);
}

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
  /**
   * The driver: makes each pool (the admin's, the app's, the operator's, and a one-connection
   * pool for CREATE/DROP DATABASE). Default `pgPool` from `tenantry/postgres/pg`; pass
   * `(c) => postgresJsPool(c)` from `tenantry/postgres/postgres-js` to run on postgres.js.
   */
  readonly pool?: TestPoolFactory;
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
  const makePool = options.pool ?? (await defaultPoolFactory());
  const onServer = async (text: string) => {
    const server = makePool({ connectionString: options.adminUrl, max: 1 });
    try {
      await server.query(text);
    } finally {
      await server.end();
    }
  };
  await onServer(`CREATE DATABASE ${quoteIdentifier(name)}`);
  const url = new URL(options.adminUrl);
  url.pathname = `/${name}`;
  const passwords = options.rolePasswords ?? {};
  const admin = makePool({ connectionString: url.toString(), max: 2 });
  await migrate({ admin, passwords });
  const appUrl = roleUrl(url.toString(), DEFAULT_ROLE_NAMES.app, passwords.app);
  const app = makePool({ connectionString: appUrl, max: options.appPoolSize ?? 4 });
  const operator = makePool({ connectionString: roleUrl(url.toString(), DEFAULT_ROLE_NAMES.operator, passwords.operator), max: options.operatorPoolSize ?? 2 });
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
      await onServer(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    },
  };
}
