// createPlacement: the isolation tiers made real. It chooses where a new tenant goes, provisions
// its schema or database, routes each tenant's statements to its tier (the `route` of
// createTenantDatabase), keeps a database-tier tenant's status mirrored in its own database (its
// gate reads it there), and applies the application's migrations across tenants.
import { ISOLATION_TIERS, parseTenantId, type IsolationTier, type Tenant, type TenantId, type TenantStatus } from '../core/index.js';
import {
  createTenantDatabase, migrate, quoteIdentifier, resolveRoleNames, roleUrl, toTenantryError,
  type Migration, type RoleNames, type RolePasswords, type SqlPool, type SqlQueryable, type TenantDatabase,
  type TenantDatabaseOptions, type TenantRoute, type TenantRouter,
} from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import {
  createPlacementDirectory, PLACEMENT_COLUMNS, toPlacement,
  type Placement, type PlacementDirectory, type PlacementRequest, type Target,
} from './directory.js';
import { placementErrors } from './errors.js';
import { createBoundedPools, type BoundedPoolsStats } from './tenant-pools.js';
import { applyToSchema, eachBounded, pendingFor, type AppliedLedger, type TenantMigrationStatus } from './tenant-migrations.js';

/** The feed topic on which a changed placement is announced (every instance drops its route). */
export const PLACEMENTS_TOPIC = 'placements';

export interface PlacementOptions {
  /** Operator-role pool on the control database (the directory). */
  readonly operator: SqlPool;
  /** App-role pool on the control database: pooled and schema-tier tenants are served from it. */
  readonly app: SqlPool;
  /** A superuser (or CREATEDB + CREATEROLE) pool on the control database: schema DDL, migrations. */
  readonly admin: SqlPool;
  /** Makes a pool (the driver): database-tier tenants' pools and short-lived admin connections. */
  readonly connect: (config: { readonly connectionString: string; readonly max: number }) => SqlPool;
  /** The admin login URL of a target's server (any database; its path is replaced). */
  readonly adminUrl: (target: Target) => string;
  /** The app role's password on every target (omit where targets trust the host). */
  readonly passwords?: RolePasswords;
  readonly roles?: Partial<RoleNames>;
  /** The application's migrations, applied to every schema-tier schema and database-tier database. */
  readonly migrations?: readonly Migration[];
  /** The control database's target name (default `home`) and region (default `default`). */
  readonly homeTarget?: string;
  readonly homeRegion?: string;
  /** Tier by plan for tenants created without one, e.g. `{ enterprise: 'database' }`. */
  readonly planTiers?: Readonly<Record<string, IsolationTier>>;
  /** Connections the database tier's pools may hold together (default 64), and per tenant (default 2). */
  readonly maxConnections?: number;
  readonly poolSize?: number;
  readonly acquireTimeoutMs?: number;
  /** Announces placement changes to every instance (their route caches drop the tenant). */
  readonly changeFeed?: ChangeFeed;
}

export interface MigrateTenantsOptions {
  /** Tenants migrated at once (default 4). */
  readonly concurrency?: number;
  /** Report what would be applied, change nothing. */
  readonly dryRun?: boolean;
  /** Told each tenant's outcome as it settles (progress bars, JSON lines). */
  readonly onTenant?: (status: TenantMigrationStatus) => void;
}

export interface TenantMigrationReport {
  readonly tenants: readonly TenantMigrationStatus[];
  readonly applied: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly pending: number;
}

export interface TierPlacement {
  readonly directory: PlacementDirectory;
  /** Registers the home target. Call once before creating tenants. */
  ready(): Promise<void>;
  /** The router for createTenantDatabase: pooled tenants to `app`, schema tier with its search_path, database tier to its pool. */
  readonly route: TenantRouter;
  /** A tenant database that serves every tier (createTenantDatabase with `route`). */
  database(options?: Omit<TenantDatabaseOptions, 'pool' | 'route'>): TenantDatabase;
  /** The tier for a new tenant: the one asked for, else the plan's, else pooled. */
  tierFor(plan: string, requested?: IsolationTier): IsolationTier;
  /** Chooses a target (throws RESIDENCY_VIOLATION / TIER_UNAVAILABLE). */
  choose(request: PlacementRequest): Promise<Target>;
  /** Records the placement in the registry's transaction, beside the tenant's row. */
  record(db: SqlQueryable, tenantId: TenantId, request: PlacementRequest, target: Target): Promise<Placement>;
  /** Creates the tenant's schema or database and applies the application's migrations to it (idempotent). */
  provision(tenant: Tenant): Promise<void>;
  /** After a lifecycle transition committed: mirrors a database-tier tenant's status into its database and drains it. */
  statusChanged(tenant: Tenant, drainTimeoutMs: number): Promise<void>;
  /** After the tenant was deleted: drops its schema or database. */
  remove(tenantId: TenantId): Promise<void>;
  /** Applies the application's migrations to every schema-tier and database-tier tenant. */
  migrateTenants(options?: MigrateTenantsOptions): Promise<TenantMigrationReport>;
  /** Pools of the database tier. */
  poolStats(): BoundedPoolsStats;
  close(): Promise<void>;
}

interface RouteRow { exists: boolean; tier: IsolationTier | null; schema_name: string | null; database_name: string | null; url: string | null; target: string | null; region: string | null; weight: number | null; state: string | null }

/** Route facts kept per tenant: a placement never changes without an announcement. */
type CachedRoute = { tier: 'pooled' } | { tier: 'schema'; searchPath: string } | { tier: 'database'; appUrl: string };

/**
 * @example
 * const placement = createPlacement({ operator, app, admin, connect: (c) => pgPool(c), adminUrl: () => adminUrl, migrations: appMigrations });
 * await placement.ready();
 * const registry = createTenantRegistry({ operator, data: controlDb, placement });
 * const db = placement.database();   // the application's tenant database, every tier
 */
export function createPlacement(options: PlacementOptions): TierPlacement {
  const { operator, app, admin } = options;
  const roles = resolveRoleNames(options.roles);
  const migrations = [...(options.migrations ?? [])].sort((a, b) => (a.version < b.version ? -1 : 1));
  const homeTarget = options.homeTarget ?? 'home';
  const directory = createPlacementDirectory({ operator, homeTarget });
  const pools = createBoundedPools({
    connect: options.connect,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: options.acquireTimeoutMs }),
  });
  const routes = new Map<TenantId, CachedRoute>();
  let unsubscribe: (() => Promise<void>) | undefined;

  const databaseUrl = (base: string, database: string): string => {
    const url = new URL(base);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const targetAdminUrl = (target: Target, database: string) => databaseUrl(options.adminUrl(target), database);

  /** A one-connection admin pool for `work`, ended after it. */
  async function withAdmin<T>(url: string, work: (pool: SqlPool) => Promise<T>): Promise<T> {
    const pool = options.connect({ connectionString: url, max: 1 });
    try {
      return await work(pool);
    } finally {
      await pool.end();
    }
  }

  async function lookupRoute(tenantId: TenantId): Promise<CachedRoute | undefined> {
    const { rows: [row] } = await operator.query<RouteRow>(
      `SELECT true AS exists, p.tier, p.schema_name, p.database_name, g.url, g.name AS target, g.region, g.weight, g.state
         FROM tenantry.tenants t LEFT JOIN tenantry.placements p ON p.tenant = t.id LEFT JOIN tenantry.targets g ON g.name = p.target
        WHERE t.id = $1`,
      [tenantId],
    ).catch((err: unknown) => { throw toTenantryError(err); });
    // An unknown tenant is not cached: the gate refuses it, and an id seen before its tenant
    // exists must not be remembered as pooled.
    if (!row) return undefined;
    if (row.tier === 'schema' && row.schema_name) return { tier: 'schema', searchPath: quoteIdentifier(row.schema_name) };
    if (row.tier === 'database' && row.database_name && row.target) {
      const target = { name: row.target, region: row.region ?? '', weight: row.weight ?? 1, state: 'open', tenants: 0, ...(row.url === null ? {} : { url: row.url }) } as Target;
      const base = row.url ?? options.adminUrl(target);
      return { tier: 'database', appUrl: roleUrl(databaseUrl(base, row.database_name), roles.app, options.passwords?.app) };
    }
    return { tier: 'pooled' };
  }

  const route: TenantRouter = async (tenantId): Promise<TenantRoute> => {
    let cached = routes.get(tenantId);
    if (cached === undefined) {
      cached = await lookupRoute(tenantId);
      if (cached === undefined) return { pool: app };
      if (routes.size >= 100_000) routes.delete(routes.keys().next().value as TenantId);
      routes.set(tenantId, cached);
    }
    if (cached.tier === 'pooled') return { pool: app };
    if (cached.tier === 'schema') return { pool: app, searchPath: cached.searchPath };
    const held = await pools.get(cached.appUrl);
    return { pool: held.pool, release: () => held.release() };
  };

  async function placementOf(tenantId: TenantId): Promise<{ placement: Placement; target: Target } | undefined> {
    const placement = await directory.tryGetPlacement(tenantId);
    if (!placement) return undefined;
    return { placement, target: await directory.getTarget(placement.target) };
  }

  async function ledgers(): Promise<Map<string, Map<string, { checksum: string; status: 'applied' | 'failed' }>>> {
    const { rows } = await operator.query<{ tenant: string; version: string; checksum: string; status: 'applied' | 'failed' }>(
      'SELECT tenant, version, checksum, status FROM tenantry.tenant_migrations',
    ).catch((err: unknown) => { throw toTenantryError(err); });
    const byTenant = new Map<string, Map<string, { checksum: string; status: 'applied' | 'failed' }>>();
    for (const r of rows) {
      const ledger = byTenant.get(r.tenant) ?? new Map<string, { checksum: string; status: 'applied' | 'failed' }>();
      ledger.set(r.version, { checksum: r.checksum, status: r.status });
      byTenant.set(r.tenant, ledger);
    }
    return byTenant;
  }

  /** Applies what `tenantId` still needs to its schema (schema tier) or its database's public schema. */
  async function migrateOne(placement: Placement, target: Target, ledger: AppliedLedger | undefined, dryRun: boolean): Promise<TenantMigrationStatus> {
    const { tenantId } = placement;
    const { pending, error } = pendingFor(migrations, ledger);
    if (error !== undefined) return { tenantId, outcome: 'failed', versions: [], error };
    if (pending.length === 0) return { tenantId, outcome: 'unchanged', versions: [] };
    if (dryRun) return { tenantId, outcome: 'pending', versions: pending.map((m) => m.version) };
    const record = async (m: Migration, outcome: { status: 'applied' } | { status: 'failed'; error: string }): Promise<void> => {
      await operator.query(
        `INSERT INTO tenantry.tenant_migrations (tenant, version, name, checksum, status, error) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant, version) DO UPDATE SET checksum = EXCLUDED.checksum, status = EXCLUDED.status, error = EXCLUDED.error, at = now()`,
        [tenantId, m.version, m.name, m.checksum, outcome.status, outcome.status === 'failed' ? outcome.error : null],
      );
    };
    const result = placement.tier === 'schema'
      ? await applyToSchema(admin, placement.schema as string, pending, roles, record)
      : await withAdmin(targetAdminUrl(target, placement.database as string), (pool) => applyToSchema(pool, 'public', pending, roles, record));
    if (result.error !== undefined) return { tenantId, outcome: 'failed', versions: result.applied, error: result.error };
    return { tenantId, outcome: 'applied', versions: result.applied };
  }

  async function provisionDatabase(tenant: Tenant, placement: Placement, target: Target): Promise<void> {
    const name = placement.database as string;
    await withAdmin(options.adminUrl(target), async (server) => {
      // It may exist already (an earlier, interrupted provisioning): go on from there.
      const { rows } = await server.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name]);
      if (rows.length === 0) await server.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    }).catch((err: unknown) => { throw toTenantryError(err); });
    await withAdmin(targetAdminUrl(target, name), async (tenantAdmin) => {
      // Tenantry's own schema in the tenant's database: the roles, the gate and the registry row it reads.
      await migrate({ admin: tenantAdmin, ...(options.roles ? { roles: options.roles } : {}), ...(options.passwords ? { passwords: options.passwords } : {}) });
      await tenantAdmin.query(
        `INSERT INTO tenantry.tenants (id, slug, display_name, status, tier, plan, region) VALUES ($1, $2, $3, $4, 'database', $5, $6)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status`,
        [tenant.id, tenant.slug, tenant.displayName, tenant.status, tenant.plan, tenant.region],
      );
    });
  }

  return {
    directory,
    async ready() {
      await directory.ensureHomeTarget(options.homeRegion ?? 'default');
      if (options.changeFeed && !unsubscribe) {
        unsubscribe = await options.changeFeed.subscribe(PLACEMENTS_TOPIC, (id) => routes.delete(id));
      }
    },
    route,
    database: (extra = {}) => createTenantDatabase({ ...extra, pool: app, route }),
    tierFor(plan, requested) {
      const tier = requested ?? options.planTiers?.[plan] ?? 'pooled';
      if (!ISOLATION_TIERS.includes(tier)) throw placementErrors.create('TARGET_INVALID', { details: { field: 'tier', reason: `one of ${ISOLATION_TIERS.join(', ')}` } });
      return tier;
    },
    choose: (request) => directory.choose(request),
    record: (db, tenantId, request, target) => directory.record(db, tenantId, request, target),
    async provision(tenant) {
      const found = await placementOf(tenant.id);
      if (!found || found.placement.tier === 'pooled') return;
      const { placement, target } = found;
      if (placement.tier === 'schema') {
        const schema = quoteIdentifier(placement.schema as string);
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${quoteIdentifier(roles.owner)}`).catch((err: unknown) => { throw toTenantryError(err); });
        await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${quoteIdentifier(roles.app)}`).catch((err: unknown) => { throw toTenantryError(err); });
      } else {
        await provisionDatabase(tenant, placement, target);
      }
      const ledger = (await ledgers()).get(tenant.id);
      const status = await migrateOne(placement, target, ledger, false);
      if (status.outcome === 'failed') {
        throw placementErrors.create('TENANT_MIGRATIONS_FAILED', { details: { failed: [{ tenantId: tenant.id, error: status.error ?? '' }] } });
      }
    },
    async statusChanged(tenant, drainTimeoutMs) {
      const found = await placementOf(tenant.id);
      if (found?.placement.tier !== 'database') return;
      const { placement, target } = found;
      await withAdmin(targetAdminUrl(target, placement.database as string), async (tenantAdmin) => {
        await tenantAdmin.query('UPDATE tenantry.tenants SET status = $2, updated_at = now() WHERE id = $1', [tenant.id, tenant.status satisfies TenantStatus]);
        // Like the registry on the control database: once this returns, no transaction admitted
        // under the old status is still running in the tenant's database.
        if (tenant.status !== 'active') await tenantAdmin.query('SELECT tenantry.await_app_transactions($1)', [drainTimeoutMs]);
      }).catch((err: unknown) => { throw toTenantryError(err); });
    },
    async remove(rawId) {
      const tenantId = parseTenantId(rawId);
      const found = await placementOf(tenantId);
      routes.delete(tenantId);
      if (options.changeFeed) await options.changeFeed.publish(PLACEMENTS_TOPIC, tenantId);
      if (!found || found.placement.tier === 'pooled') return;
      const { placement, target } = found;
      if (placement.tier === 'schema') {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(placement.schema as string)} CASCADE`).catch((err: unknown) => { throw toTenantryError(err); });
        await admin.query('DELETE FROM tenantry.isolated_tables WHERE schema_name = $1', [placement.schema]).catch((err: unknown) => { throw toTenantryError(err); });
      } else {
        await withAdmin(options.adminUrl(target), (server) => server.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(placement.database as string)} WITH (FORCE)`))
          .catch((err: unknown) => { throw toTenantryError(err); });
      }
    },
    async migrateTenants(opts = {}) {
      const { rows } = await operator.query<Parameters<typeof toPlacement>[0] & { url: string | null; t_region: string; weight: number; state: Target['state'] }>(
        `SELECT ${PLACEMENT_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}, g.url, g.region AS t_region, g.weight, g.state
           FROM tenantry.placements p JOIN tenantry.targets g ON g.name = p.target JOIN tenantry.tenants t ON t.id = p.tenant
          WHERE p.tier <> 'pooled' AND t.status NOT IN ('deleted', 'provisioning') ORDER BY p.placed_at, p.tenant`,
      ).catch((err: unknown) => { throw toTenantryError(err); });
      const all = await ledgers();
      const statuses: TenantMigrationStatus[] = [];
      await eachBounded(rows, opts.concurrency ?? 4, async (row) => {
        const placement = toPlacement(row);
        const target: Target = { name: row.target, region: row.t_region, weight: row.weight, state: row.state, tenants: 0, ...(row.url === null ? {} : { url: row.url }) };
        let status: TenantMigrationStatus;
        try {
          status = await migrateOne(placement, target, all.get(placement.tenantId), opts.dryRun === true);
        } catch (err) {
          status = { tenantId: placement.tenantId, outcome: 'failed', versions: [], error: err instanceof Error ? err.message : String(err) };
        }
        statuses.push(status);
        opts.onTenant?.(status);
      });
      const count = (o: TenantMigrationStatus['outcome']) => statuses.filter((s) => s.outcome === o).length;
      return { tenants: statuses, applied: count('applied'), unchanged: count('unchanged'), failed: count('failed'), pending: count('pending') };
    },
    poolStats: () => pools.stats(),
    async close() {
      await unsubscribe?.();
      unsubscribe = undefined;
      await pools.end();
    },
  };
}

