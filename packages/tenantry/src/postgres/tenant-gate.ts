// The statements that put a tenant in force. They are sent in the same write as the first
// statement that needs them (see SqlConnection.queryAfter), so entering a tenant costs no
// round trip of its own. Measured in bench/isolation; the reasoning is in docs/isolation.md.
import type { TenantId } from '../core/index.js';
import type { PreambleStatement } from './sql-client.js';

/** Which tenants may enter: only active ones (default), or also those being offboarded (for the purge). */
export type AdmitMode = 'active' | 'offboarding';

export const BEGIN: PreambleStatement = Object.freeze({ name: 'tenantry_begin', text: 'BEGIN', values: [] });

/**
 * The gate, one plain statement (migration 0012): sets the tenant for the current transaction
 * only, then reads its status and raises TN404/TN403/TN503 unless it may work now (TN422 at an
 * isolation level other than READ COMMITTED). The order is what makes it work: the registry
 * row is read through the registry's row-level policy (the app role sees only the row of the
 * tenant in force), so it must be read after `set_config` ran. The setting is made in a
 * subquery the planner keeps apart (OFFSET 0), and the registry is read by a subquery
 * correlated with that subquery's row (a SubPlan, run for each row of it, so only after the
 * setting exists; the registry policy's InitPlan is evaluated lazily, inside it). Were that
 * order ever broken, the row would not be found and the gate would refuse (TN404): it fails
 * closed. An active tenant at READ COMMITTED calls only built-ins; tenantry.refuse_tenant runs
 * to raise (or to admit an offboarding tenant's purge).
 */
const GATE_SQL = `SELECT COALESCE(
    (SELECT CASE WHEN t.status = 'active' AND pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN true
                 ELSE tenantry.refuse_tenant(t.status, $2::text) END
       FROM tenantry.tenants t WHERE t.id = entered.tenant::uuid),
    tenantry.refuse_tenant(NULL, $2::text)) AS admitted
  FROM (SELECT pg_catalog.set_config('app.tenant_id', $1::text, true) AS tenant OFFSET 0) AS entered`;

/**
 * The gate of a schema-tier tenant: the same statement, which also sets `search_path` to the
 * tenant's schema for the transaction alone (`is_local`), so the application's unqualified
 * table names resolve there and the setting ends with the transaction — the pooled connection
 * goes back to the pool with its own search_path. Measured against schema-qualified rewriting
 * in docs/tiers.md. A separate prepared statement: the pooled gate stays exactly as it was.
 */
const SCHEMA_GATE_SQL = GATE_SQL.replace(
  'pg_catalog.set_config(\'app.tenant_id\', $1::text, true) AS tenant',
  'pg_catalog.set_config(\'app.tenant_id\', $1::text, true) AS tenant, pg_catalog.set_config(\'search_path\', $3::text, true) AS path',
);

/**
 * The gate statement for `tenantId`. With `searchPath` (a quoted schema name), the schema-tier
 * variant; without, the pooled gate, unchanged.
 */
export function enterTenant(tenantId: TenantId, admit: AdmitMode, searchPath?: string): PreambleStatement {
  const purpose = admit === 'offboarding' ? 'offboarding' : 'work';
  if (searchPath === undefined) return { name: 'tenantry_gate', text: GATE_SQL, values: [tenantId, purpose] };
  return { name: 'tenantry_gate_schema', text: SCHEMA_GATE_SQL, values: [tenantId, purpose, searchPath] };
}
