// isolateTable: puts one of the application's tables under Tenantry's row-level isolation.
import { coreErrors } from '../core/index.js';
import { postgresErrors, toTenantryError } from './errors.js';
import { resolveRoleNames, type RoleNames } from './roles.js';
import type { SqlConnection, SqlPool, SqlQueryable } from './sql-client.js';
import { quoteIdentifier } from './quote.js';

export interface IsolateTableOptions {
  /** A pool that owns the table (the owner role, or a superuser): RLS DDL needs ownership. */
  readonly admin: SqlPool;
  readonly roles?: Partial<RoleNames>;
  /**
   * `apply` (default) makes the changes. `plan` checks the same and returns the statements it
   * would run, changing nothing (its transaction is rolled back): the dry run of `tenantry adopt`.
   */
  readonly mode?: 'apply' | 'plan';
}

export interface IsolateTableResult {
  /** `schema.table` of the table and of each partition that was checked. */
  readonly tables: readonly string[];
  /** False when everything was already in place (re-running is a no-op). */
  readonly changed: boolean;
  /** The DDL and grants run (or, in `plan` mode, that would run), in order. */
  readonly statements: readonly string[];
}

const KNOWN_OPTIONS = ['admin', 'roles', 'mode'];

/**
 * The one policy: the row's tenant must be the tenant of the transaction. The scalar subquery
 * is evaluated once per statement; `nullif` because the setting reads back '' (not NULL) after
 * a transaction-local value ended, and ''::uuid would raise instead of matching nothing.
 * The same expression is USING and WITH CHECK, so rows can neither be seen nor written
 * outside the tenant, and with no tenant set it is NULL: no rows, and every write refused.
 */
export const TENANT_PREDICATE = "tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)";
const TENANT_DEFAULT = "(nullif(current_setting('app.tenant_id', true), '')::uuid)";
const POLICY = 'tenantry_isolation';

interface TableFacts {
  oid: number;
  qualified: string;
  relkind: string;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  tenantIdType: string | null;
  tenantIdDefault: string | null;
}

async function tableFacts(db: SqlQueryable, oid: number): Promise<TableFacts> {
  const { rows } = await db.query<TableFacts>(
    `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS qualified, c.relkind::text AS relkind,
            c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS "forceRowSecurity",
            format_type(a.atttypid, a.atttypmod) AS "tenantIdType",
            pg_get_expr(d.adbin, d.adrelid) AS "tenantIdDefault"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE c.oid = $1`,
    [oid],
  );
  return rows[0] as TableFacts;
}

/** Keys and indexes whose first column is not tenant_id (constraint checks ignore RLS). */
async function keyProblems(db: SqlQueryable, oid: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string; kind: string; leads: boolean }>(
    `SELECT i.indexrelid::regclass::text AS name,
            CASE WHEN i.indisprimary THEN 'primary key' WHEN i.indisunique THEN 'unique' WHEN i.indisexclusion THEN 'exclusion constraint' ELSE 'index' END AS kind,
            COALESCE((SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) = 'tenant_id', false) AS leads
       FROM pg_index i WHERE i.indrelid = $1`,
    [oid],
  );
  const problems = rows.filter((r) => r.kind !== 'index' && !r.leads).map((r) => `${r.kind} ${r.name} does not lead with tenant_id`);
  if (!rows.some((r) => r.kind === 'primary key')) problems.push('no primary key (make it (tenant_id, id))');
  if (!rows.some((r) => r.leads)) problems.push('no index leads with tenant_id');
  return problems;
}

const REFERENCE_POLICY = 'tenantry_isolation_reference';

/**
 * Whether a policy named like ours really is ours: a name proves nothing, so a reference policy
 * is created in the same (uncommitted) transaction and the two are compared as PostgreSQL
 * deparses them — the same server, so the same text, whatever its version.
 */
async function isOurPolicy(db: SqlQueryable, qualified: string, oid: number): Promise<boolean> {
  await db.query(`CREATE POLICY ${REFERENCE_POLICY} ON ${qualified} AS PERMISSIVE FOR ALL TO PUBLIC USING (${TENANT_PREDICATE}) WITH CHECK (${TENANT_PREDICATE})`);
  const { rows } = await db.query<{ same: boolean }>(
    `SELECT ours.polcmd = ref.polcmd AND ours.polpermissive = ref.polpermissive AND ours.polroles = ref.polroles
            AND pg_get_expr(ours.polqual, ours.polrelid) IS NOT DISTINCT FROM pg_get_expr(ref.polqual, ref.polrelid)
            AND pg_get_expr(ours.polwithcheck, ours.polrelid) IS NOT DISTINCT FROM pg_get_expr(ref.polwithcheck, ref.polrelid) AS same
       FROM pg_policy ours, pg_policy ref
      WHERE ours.polrelid = $1 AND ours.polname = $2 AND ref.polrelid = $1 AND ref.polname = $3`,
    [oid, POLICY, REFERENCE_POLICY],
  );
  await db.query(`DROP POLICY ${REFERENCE_POLICY} ON ${qualified}`);
  return rows[0]?.same === true;
}

async function policyState(db: SqlQueryable, facts: TableFacts): Promise<{ ours: boolean; others: string[] }> {
  const { rows } = await db.query<{ name: string; permissive: boolean }>(
    `SELECT polname AS name, polpermissive AS permissive FROM pg_policy WHERE polrelid = $1`,
    [facts.oid],
  );
  const others = rows.filter((r) => r.name !== POLICY && r.permissive).map((r) => r.name);
  if (!rows.some((r) => r.name === POLICY)) return { ours: false, others };
  // A policy that only borrows our name is someone else's: refuse rather than trust it.
  return (await isOurPolicy(db, facts.qualified, facts.oid)) ? { ours: true, others } : { ours: false, others: [...others, POLICY] };
}

async function appGrantsOk(db: SqlQueryable, oid: number, app: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    // One privilege per call: with a list, has_table_privilege is true if *any* is held.
    `SELECT has_table_privilege($2, $1::oid, 'SELECT') AND has_table_privilege($2, $1::oid, 'INSERT')
        AND has_table_privilege($2, $1::oid, 'UPDATE') AND has_table_privilege($2, $1::oid, 'DELETE')
        AND NOT has_table_privilege($2, $1::oid, 'TRUNCATE')
        AND NOT has_table_privilege($2, $1::oid, 'REFERENCES')
        AND NOT has_table_privilege($2, $1::oid, 'TRIGGER') AS ok`,
    [oid, app],
  );
  return rows[0]?.ok === true;
}

/** The table and, for a partitioned table, every partition below it: a policy on the parent does not guard direct access to a partition. */
async function tableTree(db: SqlQueryable, oid: number): Promise<number[]> {
  const { rows } = await db.query<{ oid: number }>(
    `WITH RECURSIVE tree(oid) AS (SELECT $1::oid UNION ALL SELECT inhrelid FROM pg_inherits JOIN tree ON inhparent = tree.oid)
     SELECT oid::int AS oid FROM tree`,
    [oid],
  );
  return rows.map((r) => r.oid);
}

/**
 * Sequences that number the table's columns (serial, bigserial, identity) and the app role may
 * not use: without USAGE the first INSERT fails with `permission denied for sequence`.
 */
async function sequencesToGrant(db: SqlQueryable, oid: number, app: string): Promise<string[]> {
  const { rows } = await db.query<{ sequence: string }>(
    `SELECT format('%I.%I', n.nspname, s.relname) AS sequence
       FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace n ON n.oid = s.relnamespace
      WHERE d.refobjid = $1 AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        -- CASE: the planner may test the privilege before the join keeps only sequences, and it errors on anything else.
        AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege($2, s.oid, 'USAGE') ELSE false END
      ORDER BY 1`,
    [oid, app],
  );
  return rows.map((r) => r.sequence);
}

async function isolateOne(db: SqlConnection, facts: TableFacts, roles: RoleNames): Promise<string[]> {
  if (facts.tenantIdType !== 'uuid') {
    throw postgresErrors.create('TABLE_NOT_TENANT_SCOPED', { details: { table: facts.qualified, tenantIdType: facts.tenantIdType } });
  }
  const problems = await keyProblems(db, facts.oid);
  if (problems.length > 0) throw postgresErrors.create('TABLE_KEY_NOT_TENANT_LED', { details: { table: facts.qualified, problems } });
  const policies = await policyState(db, facts);
  if (policies.others.length > 0) throw postgresErrors.create('TABLE_POLICY_CONFLICT', { details: { table: facts.qualified, policies: policies.others } });

  const statements: string[] = [];
  if (!facts.rowSecurity) statements.push(`ALTER TABLE ${facts.qualified} ENABLE ROW LEVEL SECURITY`);
  if (!facts.forceRowSecurity) statements.push(`ALTER TABLE ${facts.qualified} FORCE ROW LEVEL SECURITY`);
  if (!policies.ours) {
    statements.push(`CREATE POLICY ${POLICY} ON ${facts.qualified} AS PERMISSIVE FOR ALL TO PUBLIC USING (${TENANT_PREDICATE}) WITH CHECK (${TENANT_PREDICATE})`);
  }
  // Inserts need not name the tenant: the column defaults to the tenant in force.
  if (facts.tenantIdDefault === null) statements.push(`ALTER TABLE ${facts.qualified} ALTER COLUMN tenant_id SET DEFAULT ${TENANT_DEFAULT}`);
  if (!(await appGrantsOk(db, facts.oid, roles.app))) {
    const app = quoteIdentifier(roles.app);
    statements.push(
      `REVOKE TRUNCATE, REFERENCES, TRIGGER ON ${facts.qualified} FROM PUBLIC, ${app}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${facts.qualified} TO ${app}`,
    );
  }
  // USAGE only (nextval, currval): not SELECT (reading last_value would tell how busy others are) nor UPDATE (setval).
  for (const sequence of await sequencesToGrant(db, facts.oid, roles.app)) statements.push(`GRANT USAGE ON SEQUENCE ${sequence} TO ${quoteIdentifier(roles.app)}`);
  for (const statement of statements) await db.query(statement);
  return statements;
}

/**
 * isolateTable's work inside a transaction the caller holds open on `connection` (the placement
 * capability isolates a schema-tier tenant's tables in the same transaction as the migration
 * that created them, so a failure leaves neither).
 */
export async function isolateTableOn(connection: SqlConnection, table: string, roles: RoleNames): Promise<IsolateTableResult> {
  const { rows } = await connection.query<{ oid: number | null; relkind: string | null }>(
    `SELECT c.oid::int AS oid, c.relkind::text AS relkind FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [table],
  );
  const found = rows[0];
  if (!found?.oid || (found.relkind !== 'r' && found.relkind !== 'p')) throw postgresErrors.create('TABLE_NOT_FOUND', { details: { table } });
  const tables: string[] = [];
  const statements: string[] = [];
  for (const oid of await tableTree(connection, found.oid)) {
    const facts = await tableFacts(connection, oid);
    statements.push(...(await isolateOne(connection, facts, roles)));
    tables.push(facts.qualified);
  }
  const { rows: registered } = await connection.query(
    `INSERT INTO tenantry.isolated_tables (schema_name, table_name)
     SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1
     ON CONFLICT DO NOTHING RETURNING 1`,
    [found.oid],
  );
  return { tables, changed: statements.length > 0 || registered.length > 0, statements };
}

/**
 * Puts an application table under row-level isolation: checks it has a uuid `tenant_id`
 * column and keys that lead with it, then ENABLEs and FORCEs row-level security with one
 * policy (USING = WITH CHECK = the tenant in force), defaults `tenant_id` to that tenant, and
 * grants the app role DML only. Partitions are handled too. Re-running it is a no-op.
 *
 * @example
 * await isolateTable('public.notes', { admin: ownerPool });
 */
export async function isolateTable(table: string, options: IsolateTableOptions): Promise<IsolateTableResult> {
  for (const key of Object.keys(options ?? {})) {
    if (!KNOWN_OPTIONS.includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: key, reason: `unknown option of isolateTable (known: ${KNOWN_OPTIONS.join(', ')})` } });
  }
  if (options.mode !== undefined && options.mode !== 'apply' && options.mode !== 'plan') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'mode', reason: "'apply' or 'plan'" } });
  const roles = resolveRoleNames(options.roles);
  let connection: SqlConnection;
  try {
    connection = await options.admin.connect();
  } catch (err) {
    throw toTenantryError(err);
  }
  let broken: Error | undefined;
  try {
    await connection.query('BEGIN');
    try {
      const result = await isolateTableOn(connection, table, roles);
      // A plan runs the same statements and rolls them back: what it returns is exactly what apply would do.
      await connection.query(options.mode === 'plan' ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      await connection.query('ROLLBACK');
      throw err;
    }
  } catch (err) {
    const mapped = toTenantryError(err);
    if (mapped.kind === 'internal' || mapped.kind === 'unavailable') broken = err instanceof Error ? err : new Error(String(err));
    throw mapped;
  } finally {
    connection.release(broken);
  }
}
