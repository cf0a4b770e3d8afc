// What the verifier reports: one finding per broken rule, naming the rule it breaks by its number
// in docs/isolation-rules.md.

/** The checks the verifier runs; each finding names one. */
export const FINDING_KINDS = {
  rls_not_enabled: 'a table with a tenant_id column does not ENABLE row-level security (rule 2)',
  rls_not_forced: 'a table with a tenant_id column does not FORCE row-level security, so its owner bypasses it (rule 2)',
  no_policy: 'row-level security is on but no permissive policy exists (every statement fails, or a policy is missing for a command)',
  policy_not_tenant_scoped: 'a permissive policy does not compare tenant_id with the app.tenant_id setting (rule 3)',
  policy_without_check: 'a permissive policy has no WITH CHECK equal to its USING, so rows can be written for another tenant (rule 3)',
  policy_fail_open: 'a policy has a fail-open disjunct: IS NULL OR …, true, or a setting read as an admin flag (rule 4)',
  policy_command_gap: 'the permissive policies do not cover every command (SELECT, INSERT, UPDATE, DELETE) (rule 3)',
  immutable_policy_function: 'a function used in a policy is IMMUTABLE, so a cached plan can fold it into a constant (rule 6)',
  key_not_tenant_led: 'a primary key or unique constraint does not lead with tenant_id: constraint checks ignore RLS (rule 5)',
  no_tenant_index: 'no index leads with tenant_id (every tenant query scans the table)',
  foreign_key_not_composite: 'a foreign key between tenant tables does not include tenant_id, so it can point at another tenant\'s row (rule 5)',
  app_role_superuser: 'the app role is a superuser (rule 1)',
  app_role_bypassrls: 'the app role has BYPASSRLS (rule 1)',
  app_role_owns_table: 'the app role owns a tenant table, and owners bypass non-forced RLS (rule 1)',
  app_role_excess_privilege: 'the app role has TRUNCATE, REFERENCES or TRIGGER on a tenant table (rules 1 and 7)',
  app_role_can_create: 'the app role may CREATE in a schema or create temporary tables (rule 1)',
  app_role_privileged: 'the app role may create roles or databases, or is a member of another role whose rights it inherits (rule 1)',
  app_role_no_timeouts: 'the app role has no statement_timeout, lock_timeout or idle_in_transaction_session_timeout, so one tenant can hold locks and connections (rule 14)',
  tenant_setting_default: 'a default for app.tenant_id is set (ALTER ROLE or ALTER DATABASE … SET): every app-role session starts inside that tenant, so work outside a tenant transaction sees its rows, and through a pooler so does every client of the connection (rules 11 and 25)',
  global_sequence: 'a tenant table numbers rows from a sequence shared by all tenants, which tells one tenant how busy the others are (rule 8)',
  definer_view: 'a view over a tenant table runs with its owner\'s rights (no security_invoker) and the app role can read it (rule 6)',
  materialized_view: 'a materialized view over a tenant table is readable by the app role; it holds every tenant\'s rows (rule 6)',
  definer_function: 'a SECURITY DEFINER function is executable by the app role (rule 6)',
  probe_cross_tenant_read: 'the dynamic probe read rows of another tenant through the app role',
  probe_read_without_tenant: 'the dynamic probe read rows with no tenant set',
  probe_cross_tenant_write: 'the dynamic probe wrote a row for another tenant through the app role',
  store_isolation: 'a tenant store beyond PostgreSQL (object storage, vectors, graph, documents) is laid out so that isolation may not hold; the detail names the store\'s own finding (docs/stores.md)',
} as const;

export type FindingKind = keyof typeof FINDING_KINDS;

export interface Finding {
  readonly kind: FindingKind;
  /** The object concerned: `schema.table`, a role, a function signature. */
  readonly object: string;
  readonly detail?: string;
}

/** The verifier's report: `ok` exactly when there are no findings. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly tenantTables: readonly string[];
  readonly findings: readonly Finding[];
  readonly probed: boolean;
}

/** Human-readable text of a report, one line per finding. */
export function formatReport(report: VerifyReport): string {
  const lines = [
    `checked ${report.tenantTables.length} tenant table(s)${report.probed ? ', with the dynamic probe' : ''}: ${report.ok ? 'no findings' : `${report.findings.length} finding(s)`}`,
  ];
  for (const f of report.findings) lines.push(`  ${f.kind}  ${f.object}${f.detail ? `  (${f.detail})` : ''}\n    ${FINDING_KINDS[f.kind]}`);
  return lines.join('\n');
}
