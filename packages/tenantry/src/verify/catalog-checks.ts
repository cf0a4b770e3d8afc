// The catalog half of the verifier: reads pg_catalog and reports every tenant table, policy,
// key, view, function and privilege of the app role that breaks a rule of docs/isolation-rules.md.
import { TENANT_PREDICATE, type SqlQueryable } from '../postgres/index.js';
import type { Finding } from './findings.js';

export interface TenantTable {
  readonly oid: number;
  readonly name: string;
  readonly tenantAttnum: number;
  /** A partitioned parent holds no rows itself; its partitions are tenant tables of their own. */
  readonly partitioned: boolean;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** Every table or partition with a tenant_id column: those hold tenant data. */
export async function tenantTables(db: SqlQueryable): Promise<TenantTable[]> {
  const { rows } = await db.query<TenantTable>(
    `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, a.attnum::int AS "tenantAttnum",
            c.relkind = 'p' AS partitioned
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS}
      ORDER BY 2`,
  );
  return rows;
}

export async function rowSecurityFindings(db: SqlQueryable, tables: readonly TenantTable[]): Promise<Finding[]> {
  const { rows } = await db.query<{ oid: number; enabled: boolean; forced: boolean }>(
    `SELECT oid::int AS oid, relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  const findings: Finding[] = [];
  for (const table of tables) {
    const row = rows.find((r) => r.oid === table.oid);
    if (!row?.enabled) findings.push({ kind: 'rls_not_enabled', object: table.name });
    else if (!row.forced) findings.push({ kind: 'rls_not_forced', object: table.name });
  }
  return findings;
}

interface PolicyRow {
  table: number;
  name: string;
  cmd: string;
  permissive: boolean;
  using: string | null;
  check: string | null;
}

const FAIL_OPEN = /\bIS\s+NULL\b|\bOR\b|\bCOALESCE\b|^\s*\(?\s*true\s*\)?\s*$/i;

/** How this server deparses the one correct policy (see referencePolicy). */
export interface ReferencePolicy {
  readonly using: string;
  readonly check: string;
}

/**
 * The correct policy as this very server deparses it: created on a temporary table inside a
 * transaction that is rolled back. Policies are then compared as text with it — a regular
 * expression cannot tell `tenant_id = setting` from `tenant_id = COALESCE(setting, tenant_id)`.
 */
export async function referencePolicy(db: SqlQueryable): Promise<ReferencePolicy> {
  await db.query('BEGIN');
  try {
    await db.query('CREATE TEMP TABLE tenantry_verify_reference (tenant_id uuid)');
    await db.query(`CREATE POLICY reference ON tenantry_verify_reference USING (${TENANT_PREDICATE}) WITH CHECK (${TENANT_PREDICATE})`);
    const { rows } = await db.query<ReferencePolicy>(
      `SELECT pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
         FROM pg_policy WHERE polrelid = 'tenantry_verify_reference'::regclass`,
    );
    return rows[0] as ReferencePolicy;
  } finally {
    await db.query('ROLLBACK');
  }
}

/** Judges one permissive policy's expressions against the reference. */
function policyFindings(table: string, p: PolicyRow, reference: ReferencePolicy): Finding[] {
  const object = `${table} policy ${p.name}`;
  const findings: Finding[] = [];
  if (p.using !== null && p.using !== reference.using) {
    findings.push({ kind: FAIL_OPEN.test(p.using) ? 'policy_fail_open' : 'policy_not_tenant_scoped', object, detail: p.using });
  }
  // INSERT policies have no USING; SELECT and DELETE have no WITH CHECK.
  const writes = p.cmd === '*' || p.cmd === 'a' || p.cmd === 'w';
  if (writes) {
    if (p.check === null) findings.push({ kind: 'policy_without_check', object });
    else if (p.check !== reference.check) findings.push({ kind: FAIL_OPEN.test(p.check) ? 'policy_fail_open' : 'policy_without_check', object, detail: `WITH CHECK ${p.check}` });
  }
  return findings;
}

export async function policyCheckFindings(db: SqlQueryable, tables: readonly TenantTable[], reference: ReferencePolicy): Promise<Finding[]> {
  const { rows } = await db.query<PolicyRow>(
    `SELECT polrelid::int AS "table", polname AS name, polcmd::text AS cmd, polpermissive AS permissive,
            pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
       FROM pg_policy WHERE polrelid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  const findings: Finding[] = [];
  for (const table of tables) {
    const permissive = rows.filter((p) => p.table === table.oid && p.permissive);
    if (permissive.length === 0) {
      findings.push({ kind: 'no_policy', object: table.name });
      continue;
    }
    for (const p of permissive) findings.push(...policyFindings(table.name, p, reference));
    const covered = new Set(permissive.flatMap((p) => (p.cmd === '*' ? ['r', 'a', 'w', 'd'] : [p.cmd])));
    const missing = ['r', 'a', 'w', 'd'].filter((c) => !covered.has(c));
    if (missing.length > 0) findings.push({ kind: 'policy_command_gap', object: table.name, detail: `no policy for ${missing.map((c) => ({ r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' })[c]).join(', ')}` });
  }
  const { rows: immutable } = await db.query<{ table: string; policy: string; fn: string }>(
    `SELECT DISTINCT format('%I.%I', n.nspname, c.relname) AS "table", p.polname AS policy, f.oid::regprocedure::text AS fn
       FROM pg_policy p
       JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_proc'::regclass
       JOIN pg_proc f ON f.oid = d.refobjid
      WHERE f.provolatile = 'i' AND p.polrelid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  for (const r of immutable) findings.push({ kind: 'immutable_policy_function', object: `${r.table} policy ${r.policy}`, detail: r.fn });
  return findings;
}

export async function keyFindings(db: SqlQueryable, tables: readonly TenantTable[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const { rows: indexes } = await db.query<{ table: number; name: string; kind: string; first: number }>(
    `SELECT i.indrelid::int AS "table", i.indexrelid::regclass::text AS name,
            CASE WHEN i.indisprimary THEN 'primary key' WHEN i.indisunique THEN 'unique' WHEN i.indisexclusion THEN 'exclusion constraint' ELSE 'index' END AS kind,
            i.indkey[0]::int AS first
       FROM pg_index i WHERE i.indrelid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  for (const table of tables) {
    const own = indexes.filter((i) => i.table === table.oid);
    for (const i of own) {
      if (i.kind !== 'index' && i.first !== table.tenantAttnum) findings.push({ kind: 'key_not_tenant_led', object: table.name, detail: `${i.kind} ${i.name}` });
    }
    if (!own.some((i) => i.first === table.tenantAttnum)) findings.push({ kind: 'no_tenant_index', object: table.name });
  }
  const { rows: fks } = await db.query<{ table: number; target: number; name: string; conkey: number[]; confkey: number[] }>(
    `SELECT conrelid::int AS "table", confrelid::int AS target, conname AS name, conkey::int[] AS conkey, confkey::int[] AS confkey
       FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::oid[]) AND confrelid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  for (const fk of fks) {
    const from = byOid.get(fk.table) as TenantTable;
    const to = byOid.get(fk.target) as TenantTable;
    const at = fk.conkey.indexOf(from.tenantAttnum);
    if (at < 0 || fk.confkey[at] !== to.tenantAttnum) findings.push({ kind: 'foreign_key_not_composite', object: from.name, detail: `${fk.name} → ${to.name}` });
  }
  return findings;
}

/** Tenant tables whose columns take numbers from a sequence (serial, identity): shared by all tenants. */
export async function sequenceFindings(db: SqlQueryable, tables: readonly TenantTable[]): Promise<Finding[]> {
  const { rows } = await db.query<{ oid: number; column: string }>(
    `SELECT a.attrelid::int AS oid, a.attname AS "column"
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')`,
    [tables.map((t) => t.oid)],
  );
  return rows.map((r) => ({ kind: 'global_sequence' as const, object: tables.find((t) => t.oid === r.oid)?.name ?? String(r.oid), detail: r.column }));
}
