// The placement directory: the registered PostgreSQL targets and each tenant's placement, read
// and written as the operator role in the control database (migration 0019).
import { ISOLATION_TIERS, parseTenantId, type IsolationTier, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool, type SqlQueryable } from '../postgres/index.js';
import { placementErrors } from './errors.js';

export type TargetState = 'open' | 'draining' | 'closed';
export type Residency = 'preferred' | 'pinned';

/** A PostgreSQL server tenants can be placed on. */
export interface Target {
  readonly name: string;
  /** Host, port and database, no credentials; undefined for the home target (the control database). */
  readonly url?: string;
  readonly region: string;
  /** Relative capacity: new tenants go where tenants per weight is lowest. */
  readonly weight: number;
  /** `open` takes new tenants; `draining` keeps its tenants but takes no new one; `closed` neither. */
  readonly state: TargetState;
  /** Tenants placed on it (any tier). */
  readonly tenants: number;
}

/** Where one tenant's data lives. */
export interface Placement {
  readonly tenantId: TenantId;
  readonly tier: IsolationTier;
  readonly target: string;
  /** Schema tier: the tenant's schema in the home database. */
  readonly schema?: string;
  /** Database tier: the tenant's database on its target. */
  readonly database?: string;
  readonly region: string;
  readonly residency: Residency;
}

export interface AddTargetInput {
  readonly name: string;
  readonly url: string;
  readonly region: string;
  readonly weight?: number;
}

/** What placing a new tenant depends on. */
export interface PlacementRequest {
  readonly tier: IsolationTier;
  readonly region: string;
  readonly residency: Residency;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const REGION = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function invalid(field: string, reason: string): never {
  throw placementErrors.create('TARGET_INVALID', { details: { field, reason } });
}

/** The URL without credentials: passwords are the process's, never stored in the directory. */
function checkTargetUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('url', 'not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') invalid('url', 'use postgres://host:port/database');
  if (url.password !== '' || url.username !== '') invalid('url', 'leave credentials out: the roles log in with the passwords the process holds');
  if (url.hostname === '') invalid('url', 'name the host');
  return url.toString();
}

interface TargetRow { name: string; url: string | null; region: string; weight: number; state: TargetState; tenants: number }
interface PlacementRow { tenant: string; tier: IsolationTier; target: string; schema_name: string | null; database_name: string | null; region: string; residency: Residency }

const toTarget = (r: TargetRow): Target => Object.freeze({
  name: r.name, ...(r.url === null ? {} : { url: r.url }), region: r.region, weight: r.weight, state: r.state, tenants: r.tenants,
});
export const toPlacement = (r: PlacementRow): Placement => Object.freeze({
  tenantId: r.tenant as TenantId, tier: r.tier, target: r.target,
  ...(r.schema_name === null ? {} : { schema: r.schema_name }),
  ...(r.database_name === null ? {} : { database: r.database_name }),
  region: r.region, residency: r.residency,
});

export const PLACEMENT_COLUMNS = 'tenant, tier, target, schema_name, database_name, region, residency';
const TARGET_SELECT = `SELECT t.name, t.url, t.region, t.weight, t.state,
    (SELECT count(*)::int FROM tenantry.placements p WHERE p.target = t.name) AS tenants
  FROM tenantry.targets t`;

/** The schema or database name of a tenant: fixed by its id, so provisioning can be re-run. */
export function tenantObjectName(tenantId: TenantId): string {
  return `tenant_${tenantId.replaceAll('-', '')}`;
}

export interface PlacementDirectory {
  /** Registers a target (open). The URL carries no credentials. */
  addTarget(input: AddTargetInput): Promise<Target>;
  listTargets(): Promise<Target[]>;
  getTarget(name: string): Promise<Target>;
  /** `draining`: keeps its tenants, takes no new one. `open` again to re-open, `closed` to take it out. */
  setTargetState(name: string, state: TargetState): Promise<Target>;
  tryGetPlacement(tenantId: TenantId | string): Promise<Placement | undefined>;
  /**
   * Chooses the target for a new tenant: pooled and schema tiers live on the home target, a
   * database-tier tenant on the open target of its region with the fewest tenants per weight
   * (any region when not pinned and none is in its region). Throws RESIDENCY_VIOLATION when the
   * tenant is pinned and no open target of its tier is in its region, TIER_UNAVAILABLE when
   * no open target can take the tier at all.
   */
  choose(request: PlacementRequest, db?: SqlQueryable): Promise<Target>;
  /** Registers the control database as the home target (idempotent; its region may be changed here). */
  ensureHomeTarget(region: string): Promise<Target>;
  /** Records a placement (in the caller's transaction: the registry's, with the tenant's row). */
  record(db: SqlQueryable, tenantId: TenantId, request: PlacementRequest, target: Target): Promise<Placement>;
}

export interface PlacementDirectoryOptions {
  /** Operator-role pool on the control database. */
  readonly operator: SqlPool;
  /** The target name of the control database itself (default `home`), where pooled and schema-tier tenants live. */
  readonly homeTarget?: string;
}

/**
 * @example
 * const directory = createPlacementDirectory({ operator });
 * await directory.addTarget({ name: 'eu-1', url: 'postgres://db-eu-1:5432/postgres', region: 'eu' });
 */
export function createPlacementDirectory(options: PlacementDirectoryOptions): PlacementDirectory {
  const { operator } = options;
  const home = options.homeTarget ?? 'home';
  const q = async <R>(db: SqlQueryable, text: string, values: unknown[] = []): Promise<R[]> => {
    try {
      return (await db.query<R>(text, values)).rows;
    } catch (err) {
      throw toTenantryError(err);
    }
  };

  async function getTarget(name: string): Promise<Target> {
    const [row] = await q<TargetRow>(operator, `${TARGET_SELECT} WHERE t.name = $1`, [name]);
    if (!row) throw placementErrors.create('TARGET_NOT_FOUND', { details: { name } });
    return toTarget(row);
  }

  return {
    async addTarget(input) {
      if (typeof input.name !== 'string' || !NAME.test(input.name)) invalid('name', 'use 1–63 characters a–z, 0–9, "-" or "_"');
      if (input.name === home) invalid('name', `${home} is the control database's own target`);
      if (typeof input.region !== 'string' || !REGION.test(input.region)) invalid('region', 'use 1–64 characters a–z, 0–9, "-" or "_"');
      const weight = input.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 1_000_000) invalid('weight', 'an integer from 1 to 1000000');
      const url = checkTargetUrl(input.url);
      try {
        await operator.query('INSERT INTO tenantry.targets (name, url, region, weight) VALUES ($1, $2, $3, $4)', [input.name, url, input.region, weight]);
      } catch (err) {
        const mapped = toTenantryError(err);
        if (mapped.code === 'UNIQUE_VIOLATION') throw placementErrors.create('TARGET_EXISTS', { details: { name: input.name } });
        throw mapped;
      }
      return getTarget(input.name);
    },
    listTargets: async () => (await q<TargetRow>(operator, `${TARGET_SELECT} ORDER BY t.name`)).map(toTarget),
    getTarget,
    async setTargetState(name, state) {
      if (!['open', 'draining', 'closed'].includes(state)) invalid('state', 'one of open, draining, closed');
      const rows = await q(operator, 'UPDATE tenantry.targets SET state = $2 WHERE name = $1 RETURNING 1', [name, state]);
      if (rows.length === 0) throw placementErrors.create('TARGET_NOT_FOUND', { details: { name } });
      return getTarget(name);
    },
    async tryGetPlacement(rawId) {
      const [row] = await q<PlacementRow>(operator, `SELECT ${PLACEMENT_COLUMNS} FROM tenantry.placements WHERE tenant = $1`, [parseTenantId(rawId)]);
      return row ? toPlacement(row) : undefined;
    },
    async choose(request, db = operator) {
      if (!ISOLATION_TIERS.includes(request.tier)) invalid('tier', `one of ${ISOLATION_TIERS.join(', ')}`);
      // Pooled and schema tenants share the home database (its gate reads the registry there);
      // a database-tier tenant may go to any target.
      const candidates = (await q<TargetRow>(db, `${TARGET_SELECT} WHERE t.state = 'open' AND ($1 OR t.name = $2)`, [request.tier === 'database', home])).map(toTarget);
      if (candidates.length === 0) throw placementErrors.create('TIER_UNAVAILABLE', { details: { tier: request.tier } });
      const inRegion = candidates.filter((t) => t.region === request.region);
      if (inRegion.length === 0 && request.residency === 'pinned') {
        throw placementErrors.create('RESIDENCY_VIOLATION', { details: { region: request.region, tier: request.tier, regions: [...new Set(candidates.map((t) => t.region))].sort() } });
      }
      const pool = inRegion.length > 0 ? inRegion : candidates;
      // Fewest tenants per unit of weight; ties by name, so placement is deterministic.
      return [...pool].sort((a, b) => a.tenants / a.weight - b.tenants / b.weight || (a.name < b.name ? -1 : 1))[0] as Target;
    },
    async ensureHomeTarget(region) {
      if (typeof region !== 'string' || !REGION.test(region)) invalid('region', 'use 1–64 characters a–z, 0–9, "-" or "_"');
      await q(operator, `INSERT INTO tenantry.targets (name, url, region) VALUES ($1, NULL, $2)
        ON CONFLICT (name) DO UPDATE SET region = EXCLUDED.region WHERE tenantry.targets.region <> EXCLUDED.region`, [home, region]);
      return getTarget(home);
    },
    async record(db, tenantId, request, target) {
      const name = tenantObjectName(tenantId);
      const [row] = await q<PlacementRow>(
        db,
        `INSERT INTO tenantry.placements (tenant, tier, target, schema_name, database_name, region, residency)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${PLACEMENT_COLUMNS}`,
        [tenantId, request.tier, target.name, request.tier === 'schema' ? name : null, request.tier === 'database' ? name : null, request.region, request.residency],
      );
      return toPlacement(row as PlacementRow);
    },
  };
}
