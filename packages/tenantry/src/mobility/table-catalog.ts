// Which tables carry a tenant's data, their columns, and the order they are written in: the
// tables registered by isolateTable() (tenantry.isolated_tables, Tenantry's own control-plane
// tables included) plus the audit log, parents before children by the catalog's foreign keys.
import { quoteIdentifier, type SqlQueryable } from '../postgres/index.js';

/** One column, as exported: its name and its type as PostgreSQL spells it. */
export interface ArchiveColumn {
  readonly name: string;
  readonly type: string;
}

/** How a table travels: application and control-plane rows are copied; the audit log is re-chained. */
export type TableKind = 'data' | 'audit-events' | 'audit-checkpoints';

export interface TenantTable {
  /** `schema.table`, unquoted. */
  readonly name: string;
  /** The quoted, qualified name for SQL. */
  readonly sql: string;
  readonly kind: TableKind;
  /** Stored columns (generated columns are left out: the target computes them again). */
  readonly columns: readonly ArchiveColumn[];
  /** Primary-key columns: the export's order, so two exports of the same rows are byte-identical. */
  readonly key: readonly string[];
}

// The audit log is not in isolated_tables (the offboarding purge must not touch it), but a
// tenant's archive carries it. Its head is derived from the events and is not exported.
const AUDIT_TABLES: ReadonlyArray<readonly [string, TableKind]> = [
  ['tenantry.audit_events', 'audit-events'],
  ['tenantry.audit_checkpoints', 'audit-checkpoints'],
];

interface CatalogRow {
  schema: string;
  table: string;
  oid: number;
  columns: ArchiveColumn[];
  key: string[] | null;
}

/**
 * The tenant tables of this database in foreign-key order (a table after every table it
 * references), the audit log last. Read through `db` (any role that may read the catalog and
 * tenantry.isolated_tables). A foreign-key cycle keeps the remaining tables in name order; the
 * import's single transaction then fails on the first row it cannot insert, changing nothing.
 *
 * @example const tables = await tenantTables(tx); // [{ name: 'tenantry.roles', … }, { name: 'public.notes', … }]
 */
export async function tenantTables(db: SqlQueryable): Promise<TenantTable[]> {
  const { rows } = await db.query<CatalogRow>(
    `WITH wanted AS (
       SELECT schema_name, table_name, 'data' AS kind FROM tenantry.isolated_tables
        UNION ALL SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
     SELECT n.nspname AS schema, c.relname AS "table", c.oid::int AS oid,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum
              WHERE p.conrelid = c.oid AND p.contype = 'p') AS key
       FROM wanted w JOIN pg_namespace n ON n.nspname = w.schema_name
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')
      ORDER BY 1, 2`,
    [AUDIT_TABLES.map(([name]) => name.split('.')[0]), AUDIT_TABLES.map(([name]) => name.split('.')[1]), AUDIT_TABLES.map(([, kind]) => kind)],
  );
  const { rows: edges } = await db.query<{ child: number; parent: number }>(
    `SELECT conrelid::int AS child, confrelid::int AS parent FROM pg_constraint
      WHERE contype = 'f' AND conrelid <> confrelid AND conrelid = ANY($1::oid[]) AND confrelid = ANY($1::oid[])`,
    [rows.map((r) => r.oid)],
  );
  const kinds = new Map(AUDIT_TABLES.map(([name, kind]) => [name, kind]));
  const tables = new Map(rows.map((r) => {
    const name = `${r.schema}.${r.table}`;
    const table: TenantTable = {
      name,
      sql: `${quoteIdentifier(r.schema)}.${quoteIdentifier(r.table)}`,
      kind: kinds.get(name) ?? 'data',
      columns: r.columns,
      key: r.key ?? [],
    };
    return [r.oid, table] as const;
  }));
  return foreignKeyOrder(tables, edges);
}

/** Kahn's algorithm over the foreign keys; ties (and a cycle's remainder) in name order, the audit log last. */
function foreignKeyOrder(tables: ReadonlyMap<number, TenantTable>, edges: readonly { child: number; parent: number }[]): TenantTable[] {
  const parents = new Map<number, Set<number>>([...tables.keys()].map((oid) => [oid, new Set<number>()]));
  for (const { child, parent } of edges) parents.get(child)?.add(parent);
  const ordered: TenantTable[] = [];
  const byName = (a: number, b: number) => ((tables.get(a)?.name ?? '') < (tables.get(b)?.name ?? '') ? -1 : 1);
  let pending = [...tables.keys()].sort(byName);
  while (pending.length > 0) {
    const ready = pending.filter((oid) => [...(parents.get(oid) ?? [])].every((p) => !pending.includes(p)));
    const next = ready.length > 0 ? ready : pending;
    for (const oid of next) ordered.push(tables.get(oid) as TenantTable);
    pending = pending.filter((oid) => !next.includes(oid));
  }
  const audit = (t: TenantTable) => (t.kind === 'data' ? 0 : 1);
  return ordered.sort((a, b) => audit(a) - audit(b));
}

/**
 * The SELECT that reads a table's rows as text in a fixed order: each column cast to text
 * (the type's own output, which is also its input), ordered by the primary key, or by every
 * column where there is none.
 */
export function selectAsText(table: TenantTable): string {
  const columns = table.columns.map((c, i) => `${quoteIdentifier(c.name)}::text AS c${i}`).join(', ');
  const order = table.key.length > 0 ? table.key.map(quoteIdentifier).join(', ') : table.columns.map((_, i) => `c${i}`).join(', ');
  return `SELECT ${columns} FROM ${table.sql} ORDER BY ${order}`;
}
