// planAdoption: reads an existing application's schema and says, table by table, what putting it
// under Tenantry takes — which tables are tenant tables (and the exact statements isolateTable
// would run on them), which hold no tenant column and look global, and what must change first
// (keys and foreign keys that do not include the tenant column, a tenant column that is not a
// uuid). Nothing is refused silently: every table of the schema is in exactly one list.
import { coreErrors, isTenantryError } from '../core/index.js';
import { toTenantryError } from './errors.js';
import { isolateTable } from './isolate-table.js';
import type { RoleNames } from './roles.js';
import type { SqlPool } from './sql-client.js';
import { quoteIdentifier } from './quote.js';

export interface PlanAdoptionOptions {
  /** A pool that owns the tables (a superuser or the owner role), as isolateTable needs. */
  readonly admin: SqlPool;
  /** The schema to read (default `public`). */
  readonly schema?: string;
  readonly roles?: Partial<RoleNames>;
}

/** A tenant table isolateTable can take as it is: the statements it would run (empty: already isolated). */
export interface AdoptableTable {
  readonly table: string;
  readonly statements: readonly string[];
}

/** A table that must change before it can be isolated, and why (each reason says what to do). */
export interface BlockedTable {
  readonly table: string;
  readonly code: string;
  readonly problems: readonly string[];
  /** Migration SQL that fixes it, where the fix is mechanical. */
  readonly migration: readonly string[];
}

export interface AdoptionPlan {
  readonly schema: string;
  /** Tenant tables ready for isolateTable. */
  readonly adoptable: readonly AdoptableTable[];
  /** Tenant tables (or tables that reference one) that must change first. */
  readonly blocked: readonly BlockedTable[];
  /** Tables without a tenant column that reference no tenant table: reference data shared by all tenants. */
  readonly global: readonly string[];
}

interface TableRow {
  name: string;
  qualified: string;
  tenant_type: string | null;
  /** Foreign keys to tables that have a tenant_id, with whether they include tenant_id. */
  tenant_refs: { constraint: string; target: string; composite: boolean }[];
}

const TABLES_SQL = `
  SELECT c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified,
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_type,
         COALESCE((SELECT json_agg(json_build_object(
                    'constraint', k.conname, 'target', format('%I.%I', tn.nspname, t.relname),
                    'composite', EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ANY (k.conkey) AND a.attname = 'tenant_id'))
                    ORDER BY k.conname)
             FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            WHERE k.conrelid = c.oid AND k.contype = 'f'
              AND EXISTS (SELECT 1 FROM pg_attribute ta WHERE ta.attrelid = t.oid AND ta.attname = 'tenant_id' AND NOT ta.attisdropped)), '[]') AS tenant_refs
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   ORDER BY c.relname`;

/**
 * @example
 * const plan = await planAdoption({ admin: ownerPool });
 * for (const t of plan.blocked) console.log(t.table, t.problems, t.migration);
 */
export async function planAdoption(options: PlanAdoptionOptions): Promise<AdoptionPlan> {
  for (const key of Object.keys(options)) {
    if (!['admin', 'schema', 'roles'].includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: key, reason: 'unknown option of planAdoption' } });
  }
  const schema = options.schema ?? 'public';
  let rows: TableRow[];
  try {
    rows = (await options.admin.query<TableRow>(TABLES_SQL, [schema])).rows;
  } catch (err) {
    throw toTenantryError(err);
  }
  const adoptable: AdoptableTable[] = [];
  const blocked: BlockedTable[] = [];
  const global: string[] = [];
  for (const row of rows) {
    const loose = row.tenant_refs.filter((r) => !r.composite);
    if (row.tenant_type === null) {
      if (row.tenant_refs.length === 0) global.push(row.qualified);
      else blocked.push(missingTenantColumn(row));
      continue;
    }
    if (row.tenant_type !== 'uuid') {
      blocked.push({
        table: row.qualified, code: 'TABLE_NOT_TENANT_SCOPED', migration: [],
        problems: [`tenant_id is ${row.tenant_type}, not uuid: Tenantry's policy compares it with the tenant's uuid (a mapping from your own keys is not supported yet)`],
      });
      continue;
    }
    if (loose.length > 0) {
      blocked.push({
        table: row.qualified, code: 'FOREIGN_KEY_NOT_COMPOSITE', migration: [],
        problems: loose.map((r) => `foreign key ${r.constraint} to ${r.target} does not include tenant_id: it can point at another tenant's row (make it (tenant_id, …) REFERENCES ${r.target} (tenant_id, …))`),
      });
      continue;
    }
    try {
      const result = await isolateTable(row.qualified, { admin: options.admin, mode: 'plan', ...(options.roles ? { roles: options.roles } : {}) });
      adoptable.push({ table: row.qualified, statements: result.statements });
    } catch (err) {
      if (!isTenantryError(err) || err.kind !== 'invalid') throw err;
      const details = err.details as { problems?: string[]; policies?: string[] };
      const problems = details.problems ?? (details.policies ? [`permissive policies Tenantry did not write: ${details.policies.join(', ')}`] : [err.message]);
      blocked.push({ table: row.qualified, code: err.code, problems, migration: [] });
    }
  }
  return { schema, adoptable, blocked, global };
}

/** A table that references tenant tables but has no tenant column: it holds tenant data too. */
function missingTenantColumn(row: TableRow): BlockedTable {
  const table = row.qualified;
  const source = row.tenant_refs[0] as TableRow['tenant_refs'][number];
  return {
    table,
    code: 'TABLE_NOT_TENANT_SCOPED',
    problems: [`no tenant_id column, but it references tenant table(s) ${[...new Set(row.tenant_refs.map((r) => r.target))].join(', ')}: its rows belong to tenants`],
    // The column is filled from the row it references, then made required; keys and the
    // foreign keys are then rebuilt to lead with it (names depend on the schema: left to you).
    migration: [
      `ALTER TABLE ${table} ADD COLUMN tenant_id uuid`,
      `-- fill it from ${source.target} through ${source.constraint}, e.g. UPDATE ${table} x SET tenant_id = p.tenant_id FROM ${source.target} p WHERE <the foreign key's columns match>`,
      `ALTER TABLE ${table} ALTER COLUMN tenant_id SET NOT NULL`,
      `-- then make the primary key (tenant_id, …) and every foreign key to a tenant table (tenant_id, …)`,
    ],
  };
}

/** The plan as text, one section per list. */
export function formatAdoptionPlan(plan: AdoptionPlan): string {
  const lines = [`schema ${quoteIdentifier(plan.schema)}: ${plan.adoptable.length} tenant table(s) ready, ${plan.blocked.length} to change first, ${plan.global.length} global`];
  for (const t of plan.adoptable) {
    lines.push(`  ready    ${t.table}${t.statements.length === 0 ? '  (already isolated)' : ''}`);
    for (const s of t.statements) lines.push(`             ${s};`);
  }
  for (const t of plan.blocked) {
    lines.push(`  blocked  ${t.table}  ${t.code}`);
    for (const p of t.problems) lines.push(`             - ${p}`);
    for (const m of t.migration) lines.push(`             ${m.startsWith('--') ? m : `${m};`}`);
  }
  for (const t of plan.global) lines.push(`  global   ${t}  (no tenant_id, references no tenant table: shared by every tenant)`);
  return lines.join('\n');
}
