-- The placement directory (docs/tiers.md): the PostgreSQL servers tenants can be placed on, and
-- where each tenant's data lives. Read and written by the operator role only: the app role never
-- learns where other tenants are.

-- A target is one PostgreSQL server (or, for the home target, the control database itself).
-- `url` names host, port and database without credentials (role passwords are the process's,
-- never stored); NULL means "the database this schema is in". `weight` is its relative capacity:
-- new tenants go to the open target of the right region with the fewest tenants per weight.
CREATE TABLE tenantry.targets (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  url text CHECK (url IS NULL OR (url ~ '^postgres(ql)?://' AND url !~ '^postgres(ql)?://[^/@]*:[^/@]*@')),
  region text NOT NULL CHECK (region ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000000),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'draining', 'closed')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per tenant placed through the directory. The column is `tenant`, not `tenant_id`: these
-- rows are the operator's directory, not tenant data (the verifier treats a tenant_id column as
-- tenant data under the isolation policy). A pooled tenant lives in the shared tables of
-- its target; a schema-tier tenant in `schema_name` of the home database; a database-tier tenant
-- in `database_name` on its target. `residency` pinned: the tenant's region is a constraint
-- (RESIDENCY_VIOLATION), not a preference.
CREATE TABLE tenantry.placements (
  tenant uuid PRIMARY KEY REFERENCES tenantry.tenants (id),
  tier text NOT NULL CHECK (tier IN ('pooled', 'schema', 'database')),
  target text NOT NULL REFERENCES tenantry.targets (name),
  schema_name text CHECK (schema_name IS NULL OR schema_name ~ '^tenant_[0-9a-f]{32}$'),
  database_name text CHECK (database_name IS NULL OR database_name ~ '^tenant_[0-9a-f]{32}$'),
  region text NOT NULL,
  residency text NOT NULL DEFAULT 'preferred' CHECK (residency IN ('preferred', 'pinned')),
  placed_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((tier = 'schema') = (schema_name IS NOT NULL)),
  CHECK ((tier = 'database') = (database_name IS NOT NULL))
);
CREATE INDEX placements_target ON tenantry.placements (target);

-- The application's migrations as applied to each schema-tier schema and database-tier database:
-- the per-tenant status `tenantry migrate` reports and resumes from.
CREATE TABLE tenantry.tenant_migrations (
  tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  version text NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'failed')),
  error text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, version)
);

-- The operator's alone: no privilege and no policy for the app role.
ALTER TABLE tenantry.placements ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.placements FORCE ROW LEVEL SECURITY;
CREATE POLICY placements_operator ON tenantry.placements FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
ALTER TABLE tenantry.tenant_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.tenant_migrations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_migrations_operator ON tenantry.tenant_migrations FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
REVOKE ALL ON tenantry.targets, tenantry.placements, tenantry.tenant_migrations FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.targets, tenantry.placements, tenantry.tenant_migrations TO {{operator}};
