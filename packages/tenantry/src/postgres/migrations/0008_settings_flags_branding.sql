-- Per-tenant settings, feature-flag overrides and branding (src/control, docs/settings.md).
-- Tenant data under the one isolation policy, exactly as 0005's tables: tenant_id leads every
-- key, ENABLE + FORCE row-level security, DML for the app role only, registered in
-- tenantry.isolated_tables so offboarding purges them (ISOLATION.md 1, 2, 3, 5, 7).

-- The settings a tenant has set, as one JSON object: only the values it chose, so a default the
-- application changes later reaches every tenant that never chose. The application's schema
-- validates them (the library, with TypeBox); the database bounds their size.
CREATE TABLE tenantry.tenant_settings (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object' AND octet_length(settings::text) <= 65536),
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
  PRIMARY KEY (tenant_id)
);

-- A tenant's explicit on/off for a flag, above its plan's and the rollout's answer.
CREATE TABLE tenantry.feature_flag_overrides (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  flag_key text NOT NULL CHECK (flag_key ~ '^[a-z][a-z0-9._-]{0,63}$'),
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
  PRIMARY KEY (tenant_id, flag_key)
);

-- What a tenant's users see: a name, two colours and a logo (https only, so a logo can never
-- be a javascript: or data: URL, nor load over plain http on an https page).
CREATE TABLE tenantry.tenant_branding (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  name text CHECK (length(name) BETWEEN 1 AND 200),
  primary_color text CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
  accent_color text CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
  logo_url text CHECK (length(logo_url) BETWEEN 9 AND 2048 AND logo_url LIKE 'https://%'),
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
  PRIMARY KEY (tenant_id)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_settings', 'feature_flag_overrides', 'tenant_branding'] LOOP
    -- ISOLATION.md rules 2 and 3, exactly as isolateTable() writes them.
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;
-- DML only (rule 1): no TRUNCATE, REFERENCES or TRIGGER. The operator role gets nothing here.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.tenant_settings, tenantry.feature_flag_overrides, tenantry.tenant_branding TO {{app}};

INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'tenant_settings'), ('tenantry', 'feature_flag_overrides'), ('tenantry', 'tenant_branding');
