// The application's migrations, registered once and applied to every schema-tier schema and
// every database-tier database. Each migration runs in one transaction per tenant together with
// isolating the tables it created (RLS stays on in every tier), and its outcome is recorded per
// tenant in the control schema (tenantry.tenant_migrations): a re-run applies only what is
// pending or failed, and one tenant's failure does not stop the others.
import type { TenantId } from '../core/index.js';
import { quoteIdentifier, toTenantryError, type Migration, type RoleNames, type SqlConnection, type SqlPool } from '../postgres/index.js';
import { isolateTableOn, renderMigration } from '../postgres/internal.js';

/** One tenant's migration state as `tenantry migrate` reports it. */
export interface TenantMigrationStatus {
  readonly tenantId: TenantId;
  readonly outcome: 'applied' | 'unchanged' | 'failed' | 'pending';
  /** Versions applied by this run (or, with dryRun, that would be). */
  readonly versions: readonly string[];
  readonly error?: string;
}

export type AppliedLedger = ReadonlyMap<string, { readonly checksum: string; readonly status: 'applied' | 'failed' }>;

/** The migrations `tenantId` still needs, or the reason it cannot go on (an edited applied file). */
export function pendingFor(migrations: readonly Migration[], ledger: AppliedLedger | undefined): { pending: Migration[]; error?: string } {
  const pending: Migration[] = [];
  for (const m of migrations) {
    const done = ledger?.get(m.version);
    if (done?.status === 'applied') {
      if (done.checksum !== m.checksum) return { pending: [], error: `migration ${m.version} was edited after it was applied` };
      continue;
    }
    pending.push(m);
  }
  return { pending };
}

/** The tables of `schema` holding tenant rows (a uuid tenant_id) that are not yet under isolation. */
async function unisolatedTables(c: SqlConnection, schema: string): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (
          SELECT 1 FROM tenantry.isolated_tables i WHERE i.schema_name = n.nspname AND i.table_name = c.relname))
      ORDER BY c.oid`,
    [schema],
  );
  return rows.map((r) => r.name);
}

/**
 * Applies `pending` to one tenant's schema on `admin` (a superuser pool of the database that
 * holds it), each in its own transaction as the owner role, then isolates its new tables in the
 * same transaction. Calls `record` after each migration committed or failed; stops at the first
 * failure (later migrations may depend on it).
 */
export async function applyToSchema(
  admin: SqlPool,
  schema: string,
  pending: readonly Migration[],
  roles: RoleNames,
  record: (m: Migration, outcome: { status: 'applied' } | { status: 'failed'; error: string }) => Promise<void>,
): Promise<{ applied: string[]; error?: string }> {
  const applied: string[] = [];
  if (pending.length === 0) return { applied };
  let c: SqlConnection;
  try {
    c = await admin.connect();
  } catch (err) {
    return { applied, error: toTenantryError(err).message };
  }
  let broken: Error | undefined;
  try {
    const { rows: [db] } = await c.query<{ name: string }>('SELECT current_database() AS name');
    for (const m of pending) {
      try {
        await c.query('BEGIN');
        // Unqualified names in the application's SQL land in the tenant's schema.
        await c.query(`SET LOCAL search_path = ${quoteIdentifier(schema)}`);
        await c.query(`SET LOCAL ROLE ${quoteIdentifier(roles.owner)}`);
        await c.query(renderMigration(m.sql, roles, (db as { name: string }).name));
        await c.query('RESET ROLE');
        for (const table of await unisolatedTables(c, schema)) await isolateTableOn(c, table, roles);
        await c.query('COMMIT');
      } catch (err) {
        try {
          await c.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        const error = `${m.version} ${m.name}: ${err instanceof Error ? err.message : String(err)}`;
        await record(m, { status: 'failed', error });
        return { applied, error };
      }
      applied.push(m.version);
      await record(m, { status: 'applied' });
    }
    return { applied };
  } finally {
    c.release(broken);
  }
}

/**
 * Runs `work` over `items` with at most `concurrency` at once, in order of start.
 */
export async function eachBounded<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
