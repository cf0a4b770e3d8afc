// createTestPlacement: a placement directory over a createTestTenantry database, with a
// registry that places tenants, for the tier suites (tests/isolation/tiers.test.ts,
// placement/*.int.test.ts). Database-tier tenants' databases are dropped by close().
import { createHash } from 'node:crypto';
import type { IsolationTier, Tenant } from '../core/index.js';
import { createTenantRegistry, type TenantRegistry } from '../control/index.js';
import { createPlacement, type PlacementOptions, type Residency, type Target, type TierPlacement } from '../placement/index.js';
import { quoteIdentifier, type Migration, type SqlPool, type TenantDatabase } from '../postgres/index.js';
import type { TestPoolFactory, TestTenantry } from './test-tenantry.js';

/** One application migration from SQL text (what `loadMigrations` reads from a file). */
export function testMigration(version: string, name: string, sql: string): Migration {
  return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex'), runAs: 'owner' };
}

export interface TestPlacementOptions extends Partial<Pick<PlacementOptions, 'maxConnections' | 'poolSize' | 'acquireTimeoutMs' | 'homeRegion' | 'planTiers'>> {
  /** The test database (createTestTenantry) the control schema is in. */
  readonly t: TestTenantry;
  readonly adminUrl: string;
  readonly passwords?: { readonly app?: string; readonly operator?: string };
  readonly migrations: readonly Migration[];
  /** The admin URL of a target's server; default `adminUrl` for every target (distinct databases on one server). */
  readonly targetAdminUrl?: (target: Target) => string;
  readonly pool?: TestPoolFactory;
}

export interface TestPlacement {
  readonly placement: TierPlacement;
  readonly registry: TenantRegistry;
  /** The application's tenant database, every tier. */
  readonly db: TenantDatabase;
  /** Creates an active tenant of `tier`. */
  create(slug: string, tier: IsolationTier, extra?: { region?: string; residency?: Residency; plan?: string }): Promise<Tenant>;
  /** An admin pool on the database that holds `tenant`'s data (the test database, or its own). */
  adminFor(tenant: Tenant): Promise<{ pool: SqlPool; schema: string }>;
  close(): Promise<void>;
}

/**
 * @example
 * const t = await createTestTenantry({ adminUrl, tenants: 0 });
 * const p = await createTestPlacement({ t, adminUrl, migrations: [testMigration('0001', 'notes', 'CREATE TABLE notes (…)')] });
 * const acme = await p.create('acme', 'schema');
 */
export async function createTestPlacement(options: TestPlacementOptions): Promise<TestPlacement> {
  const { t } = options;
  const makePool = options.pool ?? (async () => {
    const { pgPool } = await import('../postgres/drivers/pg.js');
    return (config: { connectionString: string; max: number }) => pgPool(config);
  })();
  const connect = await makePool;
  const targetAdminUrl = options.targetAdminUrl ?? (() => options.adminUrl);
  const placement = createPlacement({
    operator: t.operator, app: t.app, admin: t.admin, connect,
    adminUrl: targetAdminUrl,
    ...(options.passwords ? { passwords: options.passwords } : {}),
    migrations: options.migrations,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: options.acquireTimeoutMs }),
    ...(options.homeRegion === undefined ? {} : { homeRegion: options.homeRegion }),
    ...(options.planTiers === undefined ? {} : { planTiers: options.planTiers }),
  });
  await placement.ready();
  const registry = createTenantRegistry({ operator: t.operator, data: t.db, placement });
  const admins = new Map<string, SqlPool>();
  const databases: { target: Target; name: string }[] = [];
  return {
    placement,
    registry,
    db: placement.database(),
    async create(slug, tier, extra = {}) {
      const tenant = await registry.create({ slug, tier, ...extra });
      const placed = await placement.directory.tryGetPlacement(tenant.id);
      if (placed?.database) databases.push({ target: await placement.directory.getTarget(placed.target), name: placed.database });
      return tenant;
    },
    async adminFor(tenant) {
      const placed = await placement.directory.tryGetPlacement(tenant.id);
      if (placed?.schema) return { pool: t.admin, schema: placed.schema };
      if (!placed?.database) return { pool: t.admin, schema: 'public' };
      let pool = admins.get(placed.database);
      if (!pool) {
        const url = new URL(targetAdminUrl(await placement.directory.getTarget(placed.target)));
        url.pathname = `/${placed.database}`;
        pool = connect({ connectionString: url.toString(), max: 2 });
        admins.set(placed.database, pool);
      }
      return { pool, schema: 'public' };
    },
    async close() {
      await placement.close();
      await Promise.all([...admins.values()].map((p) => p.end()));
      for (const { target, name } of databases) {
        const server = connect({ connectionString: targetAdminUrl(target), max: 1 });
        try {
          await server.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        } finally {
          await server.end();
        }
      }
    },
  };
}
