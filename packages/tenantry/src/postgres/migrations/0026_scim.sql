-- SCIM 2.0 provisioning and per-tenant token issuers (tenantry/identity, docs/scim.md, docs/sso.md): the users and groups an identity
-- provider pushes to a tenant's connection, and the bearer tokens it pushes with. Users and
-- groups are tenant data under the one isolation policy; the token registry (found before any
-- tenant is known, by the SHA-256 of the token) is the operator role's only, as API keys' is.

CREATE TABLE tenantry.scim_users (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  connection_id uuid NOT NULL,
  user_name text NOT NULL CHECK (length(user_name) BETWEEN 1 AND 256),
  external_id text CHECK (length(external_id) BETWEEN 1 AND 256),
  display_name text CHECK (length(display_name) <= 256),
  -- The SCIM `name`, `emails` and anything else kept as the provider sent it (bounded).
  attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object' AND length(attributes::text) <= 16384),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
-- RFC 7643 §4.1.1: userName is unique within the service provider (here: the connection), case-insensitively.
CREATE UNIQUE INDEX scim_users_user_name ON tenantry.scim_users (tenant_id, connection_id, lower(user_name));

CREATE TABLE tenantry.scim_groups (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  connection_id uuid NOT NULL,
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
  external_id text CHECK (length(external_id) BETWEEN 1 AND 256),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX scim_groups_display_name ON tenantry.scim_groups (tenant_id, connection_id, lower(display_name));

CREATE TABLE tenantry.scim_group_members (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  group_id uuid NOT NULL,
  user_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, group_id, user_id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES tenantry.scim_groups (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES tenantry.scim_users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_user ON tenantry.scim_group_members (tenant_id, user_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['scim_users', 'scim_groups', 'scim_group_members'] LOOP
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.scim_users, tenantry.scim_groups, tenantry.scim_group_members TO {{app}};
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'scim_users'), ('tenantry', 'scim_groups'), ('tenantry', 'scim_group_members');

-- A connection's SCIM bearer token: only its SHA-256 is stored; one per connection (a rotation
-- replaces it, so the previous token stops at once).
CREATE TABLE tenantry.scim_tokens (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  connection_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (owner_tenant, connection_id)
);
REVOKE ALL ON tenantry.scim_tokens FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.scim_tokens TO {{operator}};

-- Per-tenant token issuers (docs/sso.md): a tenant's own IdP whose JWTs are accepted for that
-- tenant only. Found by the token's `iss` before any tenant is known, so an operator-role
-- registry; an (issuer, audience) pair belongs to one tenant, so no tenant can claim another's.
CREATE TABLE tenantry.tenant_token_issuers (
  issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2048),
  audience text NOT NULL CHECK (length(audience) BETWEEN 1 AND 512),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  jwks_url text NOT NULL CHECK (length(jwks_url) BETWEEN 1 AND 2048),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (issuer, audience)
);
CREATE INDEX tenant_token_issuers_owner ON tenantry.tenant_token_issuers (owner_tenant);
REVOKE ALL ON tenantry.tenant_token_issuers FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.tenant_token_issuers TO {{operator}};
