// Load of each placement target (a PostgreSQL server with Tenantry's schema), read through its
// operator pool: connections, database time, size and tenants, and each tenant's database time,
// in the form planRebalance takes. Database time comes from the activity rollups (migration 0030).
import { parseTenantId, systemClock, type Clock } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import type { PlacedTenantLoad, PlacementTargetLoad } from './rebalance.js';

/** What one target reports about itself over the window. */
export interface PlacementTargetHealth {
  readonly id: string;
  /** Backends connected to the target's database now, and the server's `max_connections`. */
  readonly connections: number;
  readonly maxConnections: number;
  /** Database time of all its tenants in the window, in milliseconds. */
  readonly dbTimeMs: number;
  readonly sizeBytes: number;
  /** Tenants that are not deleted. */
  readonly tenants: number;
}

export interface MeasuredPlacement {
  readonly health: readonly PlacementTargetHealth[];
  /** Capacity in database milliseconds per window: `connectionsPerTarget` busy all the window long. */
  readonly targets: readonly PlacementTargetLoad[];
  readonly tenants: readonly PlacedTenantLoad[];
}

/** A target to measure: where it is, whether it drains, and its operator pool. */
export interface PlacementTargetSource {
  readonly id: string;
  readonly region: string;
  readonly state: 'active' | 'draining';
  readonly operator: SqlQueryable;
}

const TARGET = `SELECT (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = pg_catalog.current_database())::int AS connections,
  pg_catalog.current_setting('max_connections')::int AS max_connections,
  pg_catalog.pg_database_size(pg_catalog.current_database())::float8 AS size_bytes,
  (SELECT count(*) FROM tenantry.tenants WHERE status <> 'deleted')::int AS tenants`;
const TENANTS = `SELECT t.id, COALESCE(sum(a.db_ms_sum), 0)::float8 AS db_ms
  FROM tenantry.tenants t LEFT JOIN tenantry.tenant_activity a ON a.subject_tenant = t.id AND a.bucket_start >= $1::timestamptz
  WHERE t.status <> 'deleted' GROUP BY t.id ORDER BY t.id`;

/**
 * Measures every target (in parallel) and gives both the health view and planRebalance's input,
 * with each tenant's load its database time over the last `windowMinutes`.
 *
 * @example
 * const measured = await measurePlacement(targets, { windowMinutes: 60, connectionsPerTarget: 8 });
 * const plan = planRebalance(measured.targets, measured.tenants);
 */
export async function measurePlacement(
  sources: readonly PlacementTargetSource[],
  options: { readonly windowMinutes?: number; readonly connectionsPerTarget?: number; readonly clock?: Clock } = {},
): Promise<MeasuredPlacement> {
  const windowMs = (options.windowMinutes ?? 60) * 60_000;
  const connectionsPerTarget = options.connectionsPerTarget ?? 10;
  const start = new Date((options.clock ?? systemClock).now().getTime() - windowMs).toISOString();
  const measured = await Promise.all(sources.map(async (source) => {
    const [{ rows: [target] }, { rows }] = await Promise.all([
      source.operator.query<{ connections: number; max_connections: number; size_bytes: number; tenants: number }>(TARGET),
      source.operator.query<{ id: string; db_ms: number }>(TENANTS, [start]),
    ]);
    const tenants = rows.map((r): PlacedTenantLoad => ({ tenantId: parseTenantId(r.id), targetId: source.id, load: r.db_ms }));
    const health: PlacementTargetHealth = {
      id: source.id,
      connections: target?.connections ?? 0,
      maxConnections: target?.max_connections ?? 0,
      dbTimeMs: tenants.reduce((sum, t) => sum + t.load, 0),
      sizeBytes: target?.size_bytes ?? 0,
      tenants: target?.tenants ?? 0,
    };
    return { health, tenants, target: { id: source.id, region: source.region, state: source.state, capacity: windowMs * connectionsPerTarget } };
  }));
  return { health: measured.map((m) => m.health), targets: measured.map((m) => m.target), tenants: measured.flatMap((m) => m.tenants) };
}
