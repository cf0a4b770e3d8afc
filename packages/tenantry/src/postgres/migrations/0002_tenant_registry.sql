-- The tenant registry: one row per tenant, globally unique slugs, and the gate a tenant
-- transaction passes through. It is not tenant data: operators manage it across tenants,
-- and the app role reads only the row of the tenant in context.
CREATE TABLE tenantry.tenants (
  id uuid PRIMARY KEY,
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  status text NOT NULL DEFAULT 'provisioning'
    CHECK (status IN ('provisioning', 'active', 'suspended', 'offboarding', 'deleted')),
  tier text NOT NULL DEFAULT 'pooled' CHECK (tier IN ('pooled', 'schema', 'database')),
  plan text NOT NULL DEFAULT 'free' CHECK (length(plan) BETWEEN 1 AND 64),
  region text NOT NULL DEFAULT 'default' CHECK (length(region) BETWEEN 1 AND 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
-- A deleted tenant frees its slug; a live slug is unique.
CREATE UNIQUE INDEX tenants_live_slug ON tenantry.tenants (slug) WHERE status <> 'deleted';
CREATE INDEX tenants_created ON tenantry.tenants (created_at, id);

ALTER TABLE tenantry.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_self ON tenantry.tenants FOR SELECT TO {{app}}
  USING (id = (SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::uuid));
CREATE POLICY tenants_operator ON tenantry.tenants FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
GRANT SELECT ON tenantry.tenants TO {{app}};
-- No DELETE: a tenant is deleted by a status transition, the row stays as a tombstone.
GRANT SELECT, INSERT, UPDATE ON tenantry.tenants TO {{operator}};

-- The application tables isolateTable() has put under row-level security; offboarding purges
-- a tenant's rows from each of them.
CREATE TABLE tenantry.isolated_tables (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  isolated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name)
);
GRANT SELECT ON tenantry.isolated_tables TO {{app}}, {{operator}};

-- The gate every tenant statement or transaction passes: it sets the tenant for the current
-- transaction only (is_local = true) and raises unless the tenant may work now. One call,
-- sent in the same round trip as the statement. It is context, not authentication: SQL run
-- as the app role could call set_config itself, which is why the SQL guard refuses that.
-- It also takes the tenant's lifecycle lock in shared mode until the transaction ends; a
-- transition that stops work (suspend, offboard, delete) takes it exclusively, so it waits
-- for the tenant's transactions in flight and no transaction admitted before an offboarding
-- can commit rows after the purge. Advisory locks live in memory: no row is written.
-- No SET search_path clause: a function-level SET would revert the transaction-local setting
-- at function exit; every name inside is schema-qualified instead.
CREATE FUNCTION tenantry.enter_tenant(p_tenant uuid, p_purpose text DEFAULT 'work') RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
  v_status text;
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock_shared(1414419545, pg_catalog.hashtext(p_tenant::text));
  PERFORM pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
  SELECT t.status INTO v_status FROM tenantry.tenants t WHERE t.id = p_tenant;
  IF v_status = 'active' OR (p_purpose = 'offboarding' AND v_status = 'offboarding') THEN
    RETURN;
  END IF;
  IF v_status IS NULL OR v_status = 'deleted' THEN
    RAISE EXCEPTION 'tenant not found' USING ERRCODE = 'TN404';
  ELSIF v_status = 'suspended' THEN
    RAISE EXCEPTION 'tenant suspended' USING ERRCODE = 'TN403';
  ELSE
    RAISE EXCEPTION 'tenant not active' USING ERRCODE = 'TN503';
  END IF;
END $$;
REVOKE ALL ON FUNCTION tenantry.enter_tenant(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantry.enter_tenant(uuid, text) TO {{app}};
