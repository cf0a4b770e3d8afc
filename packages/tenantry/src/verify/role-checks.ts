// The app role's half of the verifier: attributes, ownership, privileges, and the views and
// functions through which it could reach tenant rows without row-level security.
import type { SqlQueryable } from '../postgres/index.js';
import { verifyErrors } from './errors.js';
import type { TenantTable } from './catalog-checks.js';
import type { Finding } from './findings.js';

export async function appRoleFindings(db: SqlQueryable, app: string, tables: readonly TenantTable[]): Promise<Finding[]> {
  const { rows: [role] } = await db.query<{ superuser: boolean; bypass: boolean; creates: boolean; memberOf: string[]; settings: string[] | null }>(
    `SELECT r.rolsuper AS superuser, r.rolbypassrls AS bypass, r.rolcreaterole OR r.rolcreatedb AS creates,
            ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS "memberOf",
            (SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
       FROM pg_roles r WHERE r.rolname = $1`,
    [app],
  );
  if (!role) throw verifyErrors.create('VERIFY_ROLE_UNKNOWN', { details: { role: app } });
  // A role with no grant on any tenant table is not the one the application uses (a default
  // name on a database whose app role is named otherwise): its audit would pass for nothing.
  if (tables.length > 0) {
    const { rows: [used] } = await db.query<{ any: boolean }>(
      `SELECT bool_or(has_table_privilege($1, t.oid, 'SELECT') OR has_table_privilege($1, t.oid, 'INSERT')
                      OR has_table_privilege($1, t.oid, 'UPDATE') OR has_table_privilege($1, t.oid, 'DELETE')) AS any
         FROM unnest($2::oid[]) AS t(oid)`,
      [app, tables.map((t) => t.oid)],
    );
    if (used?.any !== true) throw verifyErrors.create('VERIFY_ROLE_UNUSED', { details: { role: app } });
  }
  const findings: Finding[] = [];
  if (role.superuser) findings.push({ kind: 'app_role_superuser', object: app });
  if (role.bypass) findings.push({ kind: 'app_role_bypassrls', object: app });
  if (role.creates || role.memberOf.length > 0) findings.push({ kind: 'app_role_privileged', object: app, ...(role.memberOf.length ? { detail: `member of ${role.memberOf.join(', ')}` } : {}) });
  const timeouts = ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'];
  const missing = timeouts.filter((name) => !(role.settings ?? []).some((setting) => setting.startsWith(`${name}=`) && !/=0$/.test(setting)));
  if (missing.length > 0) findings.push({ kind: 'app_role_no_timeouts', object: app, detail: missing.join(', ') });

  // A session-level tenant that every app-role login starts with. (A value one client sets at
  // session level on a live connection is not in the catalog: only its own session sees it.)
  const { rows: defaults } = await db.query<{ scope: string; role: boolean }>(
    `SELECT CASE WHEN s.setrole = 0 THEN format('ALTER DATABASE %I', d.datname)
                 WHEN s.setdatabase = 0 THEN format('ALTER ROLE %I', $1::text)
                 ELSE format('ALTER ROLE %I IN DATABASE %I', $1::text, d.datname) END AS scope,
            s.setrole <> 0 AS role
       FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
      WHERE s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = $1))
        AND (s.setdatabase = 0 OR d.datname = current_database())
        AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE starts_with(c, 'app.tenant_id='))`,
    [app],
  );
  for (const d of defaults) findings.push({ kind: 'tenant_setting_default', object: d.role ? app : 'database', detail: `${d.scope} SET app.tenant_id` });

  const { rows: owned } = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [app],
  );
  for (const o of owned) findings.push({ kind: 'app_role_owns_table', object: o.name });

  const { rows: excess } = await db.query<{ oid: number; privilege: string }>(
    `SELECT t.oid::int AS oid, p.privilege FROM unnest($2::oid[]) AS t(oid), unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)
      WHERE has_table_privilege($1, t.oid, p.privilege)`,
    [app, tables.map((t) => t.oid)],
  );
  for (const e of excess) findings.push({ kind: 'app_role_excess_privilege', object: tables.find((t) => t.oid === e.oid)?.name ?? String(e.oid), detail: e.privilege });

  const { rows: creatable } = await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace n
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' AND has_schema_privilege($1, n.oid, 'CREATE')
     UNION ALL
     SELECT 'temporary tables' WHERE has_database_privilege($1, current_database(), 'TEMPORARY')`,
    [app],
  );
  for (const c of creatable) findings.push({ kind: 'app_role_can_create', object: c.name });
  return findings;
}

/** Views and materialized views over tenant tables that the app role can read without RLS applying to it. */
export async function viewFindings(db: SqlQueryable, app: string, tables: readonly TenantTable[]): Promise<Finding[]> {
  const { rows } = await db.query<{ name: string; kind: string; invoker: boolean }>(
    `SELECT DISTINCT format('%I.%I', n.nspname, v.relname) AS name, v.relkind::text AS kind,
            coalesce('security_invoker=true' = ANY(v.reloptions) OR 'security_invoker=on' = ANY(v.reloptions), false) AS invoker
       FROM pg_depend d
       JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
       JOIN pg_class v ON v.oid = r.ev_class JOIN pg_namespace n ON n.oid = v.relnamespace
      WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($2::oid[]) AND v.relkind IN ('v', 'm')
        AND has_table_privilege($1, v.oid, 'SELECT')`,
    [app, tables.map((t) => t.oid)],
  );
  return rows.flatMap((v): Finding[] => {
    if (v.kind === 'm') return [{ kind: 'materialized_view', object: v.name }];
    return v.invoker ? [] : [{ kind: 'definer_view', object: v.name }];
  });
}

/** SECURITY DEFINER functions the app role may call, except those on the allowlist (which must re-check the tenant). */
export async function definerFunctionFindings(db: SqlQueryable, app: string, allowed: readonly string[]): Promise<Finding[]> {
  const { rows } = await db.query<{ fn: string }>(
    `SELECT p.oid::regprocedure::text AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND has_function_privilege($1, p.oid, 'EXECUTE')`,
    [app],
  );
  return rows.filter((r) => !allowed.includes(r.fn)).map((r) => ({ kind: 'definer_function' as const, object: r.fn }));
}
