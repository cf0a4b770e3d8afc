// Tenantry's real schema on PGlite (an embedded PostgreSQL in WebAssembly), for tests of stores
// whose extension the embedded and CI PostgreSQL lack (pgvector). Tenantry's own migrations run
// unchanged; tenants are registered straight into the registry table, as the registry's create
// would leave them, so the gate statement sees exactly what it sees in production.
import { newTenantId, type Tenant, type TenantId, type TenantStatus } from '../core/index.js';
import { migrate, type SqlConnection, type SqlPool, type SqlResult } from '../postgres/index.js';
import type { TenantLookup } from '../resolve/index.js';

/** What this needs of a PGlite instance (`@electric-sql/pglite`), structurally typed. */
export interface PgliteDatabase {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(text: string): Promise<{ rows: unknown[] }[]>;
}

/** PGlite as the admin pool `migrate` takes: one session, so every "connection" is the same one. */
function pgliteAdminPool(db: PgliteDatabase): SqlPool {
  const query = async <Row>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>> => {
    // Without parameters a migration file is many statements: PGlite runs those only through exec.
    const rows = values !== undefined && values.length > 0 ? (await db.query<Row>(text, [...values])).rows : (((await db.exec(text)).at(-1)?.rows ?? []) as Row[]);
    return { rows, rowCount: rows.length };
  };
  const connection = { transactionStatus: 'idle', query, queryAfter: () => Promise.reject(new Error('not used by migrate')), release: () => undefined } as unknown as SqlConnection;
  return { query, connect: () => Promise.resolve(connection), end: () => Promise.resolve() };
}

export interface PgliteTenantry {
  /** Registers a tenant with `status` (default active) and returns its id. */
  addTenant(status?: TenantStatus): Promise<TenantId>;
  setStatus(tenantId: TenantId, status: TenantStatus): Promise<void>;
  /** The registry table read as the registry's lookup reads it (no cache). */
  readonly lookup: TenantLookup;
}

interface TenantRow {
  id: TenantId; slug: string; display_name: string; status: TenantStatus; tier: Tenant['tier'];
  plan: string; region: string; created_at: Date; updated_at: Date; status_changed_at: Date; version: number;
}

const tenantOf = (r: TenantRow): Tenant => ({
  id: r.id, slug: r.slug, displayName: r.display_name, status: r.status, tier: r.tier, plan: r.plan, region: r.region,
  createdAt: r.created_at, updatedAt: r.updated_at, statusChangedAt: r.status_changed_at, version: r.version,
});

/**
 * Runs Tenantry's migrations on `db` (its roles: tenantry_owner, tenantry_app, tenantry_operator).
 *
 * @example
 * const db = await PGlite.create({ extensions: { vector } });
 * const tenantry = await migratePglite(db);
 * const tenant = await tenantry.addTenant();
 */
export async function migratePglite(db: PgliteDatabase): Promise<PgliteTenantry> {
  await migrate({ admin: pgliteAdminPool(db) });
  const find = async (column: 'id' | 'slug', value: string) => {
    const { rows } = await db.query<TenantRow>(`SELECT * FROM tenantry.tenants WHERE ${column} = $1 AND status <> 'deleted'`, [value]);
    return rows[0] === undefined ? undefined : tenantOf(rows[0]);
  };
  return {
    lookup: { tryGet: (id) => find('id', id), tryGetBySlug: (slug) => find('slug', slug) },
    async addTenant(status = 'active') {
      const id = newTenantId();
      await db.query("INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES ($1, $2, 'Test tenant', $3)", [id, `t-${id.replaceAll('-', '').slice(0, 24)}`, status]);
      return id;
    },
    async setStatus(tenantId, status) {
      await db.query('UPDATE tenantry.tenants SET status = $2, status_changed_at = now(), version = version + 1 WHERE id = $1', [tenantId, status]);
    },
  };
}
