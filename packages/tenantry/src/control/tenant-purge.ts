// Deletes every row of one tenant from the isolated tables, as the app role under that
// tenant's own row-level security: the purge cannot reach another tenant's rows even if a
// table were listed by mistake.
import { isTenantryError, type TenantId } from '../core/index.js';
import type { SqlQueryable, TenantDatabase, TenantTransaction } from '../postgres/index.js';
// The library-internal path (not in the package's exports): see postgres/internal.ts.
import { unguardedQuery } from '../postgres/internal.js';

export interface PurgeResult {
  /** Rows deleted per table (`schema.table`). */
  readonly deleted: Readonly<Record<string, number>>;
}

async function deleteAll(tx: TenantTransaction, table: string): Promise<number | 'blocked'> {
  try {
    // Unguarded: the names come from tenantry.isolated_tables, which includes Tenantry's own
    // tenant tables (keys, …) that the SQL guard keeps away from application statements.
    return await tx.savepoint(async () => (await unguardedQuery(tx).query(`DELETE FROM ${table}`)).rowCount ?? 0);
  } catch (err) {
    // A foreign key from a table not purged yet: the savepoint undid this delete; try the
    // table again after the referring one is empty.
    if (isTenantryError(err, 'FOREIGN_KEY_VIOLATION')) return 'blocked';
    throw err;
  }
}

/** The tables registered by isolateTable(), newest first (children usually come after parents), read as the operator. */
export async function isolatedTables(operator: SqlQueryable): Promise<string[]> {
  const { rows } = await operator.query<{ name: string }>(
    `SELECT format('%I.%I', schema_name, table_name) AS name FROM tenantry.isolated_tables
      WHERE schema_name !~ '^tenant_[0-9a-f]{32}$' ORDER BY isolated_at DESC, 1`,
  );
  return rows.map((r) => r.name);
}

/** Purges `tenantId`'s rows from `tables` (quoted names), in one transaction. */
export async function purgeTenantData(data: TenantDatabase, tenantId: TenantId, tables: readonly string[]): Promise<PurgeResult> {
  return data.transaction(
    tenantId,
    async (tx) => {
      const deleted: Record<string, number> = {};
      let pending = [...tables];
      while (pending.length > 0) {
        const blocked: string[] = [];
        for (const table of pending) {
          const outcome = await deleteAll(tx, table);
          if (outcome === 'blocked') blocked.push(table);
          else deleted[table] = outcome;
        }
        if (blocked.length === pending.length) throw new Error(`purge cannot order deletes for ${blocked.join(', ')} (a foreign-key cycle)`);
        pending = blocked;
      }
      return { deleted };
    },
    { admit: 'offboarding' },
  );
}
