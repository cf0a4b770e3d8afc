-- Retention per data class (src/mobility, docs/mobility.md): how many days a tenant's usage
-- events, activity rollups and backups are kept, per plan with per-tenant overrides, and one
-- row per run of the retention job. Operator records, like tenant_activity: keyed by
-- subject_tenant (not tenant_id), read and written only by the operator role.
CREATE TABLE tenantry.retention_policies (
  -- A plan's default (subject_tenant NULL) or one tenant's override (plan NULL).
  plan text CHECK (length(plan) BETWEEN 1 AND 64),
  subject_tenant uuid,
  data_class text NOT NULL CHECK (data_class IN ('usage_events', 'activity', 'backups')),
  keep_days integer NOT NULL CHECK (keep_days BETWEEN 1 AND 36500),
  updated_at timestamptz NOT NULL,
  CONSTRAINT retention_policies_one_scope CHECK ((plan IS NULL) <> (subject_tenant IS NULL))
);
CREATE UNIQUE INDEX retention_policies_plan ON tenantry.retention_policies (plan, data_class) WHERE plan IS NOT NULL;
CREATE UNIQUE INDEX retention_policies_tenant ON tenantry.retention_policies (subject_tenant, data_class) WHERE subject_tenant IS NOT NULL;

CREATE TABLE tenantry.retention_runs (
  id uuid PRIMARY KEY,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
  -- Per tenant and class: rows (or backups) deleted and the cutoff applied.
  deleted jsonb NOT NULL CHECK (jsonb_typeof(deleted) = 'object')
);

REVOKE ALL ON tenantry.retention_policies, tenantry.retention_runs FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.retention_policies TO {{operator}};
GRANT SELECT, INSERT ON tenantry.retention_runs TO {{operator}};
-- The job deletes old usage events as the operator, with the tenant set: the table's one
-- policy (TO PUBLIC) confines it to that tenant, whatever the tenant's status.
GRANT SELECT, DELETE ON tenantry.usage_events TO {{operator}};
