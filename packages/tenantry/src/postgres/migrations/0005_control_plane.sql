-- The control plane's own data (src/control, docs/control-plane.md): members and custom roles,
-- invitations, API keys, allowed origins, signing secrets and custom domains per tenant, and
-- the operators of the platform.
--
-- Two kinds of table, kept apart on purpose:
--   * tenant data (members … custom_domains): a `tenant_id` column under the one isolation
--     policy, keys that lead with tenant_id, composite foreign keys, DML for the app role only,
--     registered in tenantry.isolated_tables so offboarding purges them (ISOLATION.md 2, 3, 5, 7);
--   * registries of globally unique things (API-key public ids, verified domains) and platform
--     records (operators, their tokens, impersonation sessions): cross-tenant by nature, so the
--     app role has no privilege on them at all; only the operator role reads and writes them,
--     through the library's constant SQL. Their tenant column is `owner_tenant` / `target_tenant`,
--     not `tenant_id`: they are not tenant data under RLS but indexes over all tenants, like
--     tenantry.tenants itself (a global unique key on a tenant table is what rule 5 forbids).

-- ── Tenant data ──────────────────────────────────────────────────────────────────────────────

-- Custom roles: a named set of permissions per tenant. Built-in roles (owner, admin, member,
-- viewer) are code, not rows, so their meaning cannot drift per tenant.
CREATE TABLE tenantry.roles (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$' AND name NOT IN ('owner', 'admin', 'member', 'viewer')),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  permissions text[] NOT NULL CHECK (cardinality(permissions) <= 64),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
);

-- Members reference the application's user ids (Tenantry is not an identity provider). A member
-- has either a built-in role or a custom one; a custom role in use cannot be deleted.
CREATE TABLE tenantry.members (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  user_id text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  builtin_role text CHECK (builtin_role IN ('owner', 'admin', 'member', 'viewer')),
  custom_role_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  CONSTRAINT members_one_role CHECK ((builtin_role IS NULL) <> (custom_role_id IS NULL)),
  FOREIGN KEY (tenant_id, custom_role_id) REFERENCES tenantry.roles (tenant_id, id)
);
-- The owner rows are locked (FOR UPDATE) before a demotion or removal; this finds them.
CREATE INDEX members_owners ON tenantry.members (tenant_id, user_id) WHERE builtin_role = 'owner';
CREATE INDEX members_custom_role ON tenantry.members (tenant_id, custom_role_id) WHERE custom_role_id IS NOT NULL;

-- Invitations by email. The token is 256 random bits shown once; only its SHA-256 is kept, and
-- a resend replaces it (the old token dies). At most one open invitation per address.
CREATE TABLE tenantry.invitations (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND email = lower(email)),
  builtin_role text CHECK (builtin_role IN ('owner', 'admin', 'member', 'viewer')),
  custom_role_id uuid,
  token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
  invited_by text NOT NULL CHECK (length(invited_by) BETWEEN 1 AND 256),
  created_at timestamptz NOT NULL,
  sent_at timestamptz NOT NULL,
  send_count integer NOT NULL DEFAULT 1 CHECK (send_count >= 1),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by text CHECK (length(accepted_by) BETWEEN 1 AND 256),
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  -- A closed invitation may outlive the custom role it offered (the role was deleted later).
  CONSTRAINT invitations_one_role CHECK (
    (builtin_role IS NULL) <> (custom_role_id IS NULL) OR (builtin_role IS NULL AND (accepted_at IS NOT NULL OR revoked_at IS NOT NULL))),
  CONSTRAINT invitations_one_outcome CHECK (accepted_at IS NULL OR revoked_at IS NULL),
  FOREIGN KEY (tenant_id, custom_role_id) REFERENCES tenantry.roles (tenant_id, id) ON DELETE SET NULL (custom_role_id)
);
CREATE UNIQUE INDEX invitations_open_email ON tenantry.invitations (tenant_id, email)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- API keys, the tenant's view: name, scopes, expiry, last use, revocation. The secret's hash
-- lives in tenantry.api_key_registry (below), found by the key's public id before the tenant
-- is known; verification reads this row, under this tenant's policy, for the rest.
CREATE TABLE tenantry.api_keys (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  public_id text NOT NULL CHECK (public_id ~ '^[0-9a-f]{24}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scopes text[] NOT NULL CHECK (cardinality(scopes) <= 64),
  created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 256),
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, public_id)
);

-- Origins allowed to call the tenant's API from a browser (CORS), as serialized origins.
CREATE TABLE tenantry.allowed_origins (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  origin text NOT NULL CHECK (length(origin) BETWEEN 1 AND 300),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, origin)
);

-- HMAC signing secrets: one current (retires_at NULL), older ones valid until retires_at.
-- `storage` says how `secret` is kept: an envelope of the crypto capability, or plaintext when
-- the deployment runs without a key provider.
CREATE TABLE tenantry.signing_secrets (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  secret text NOT NULL CHECK (length(secret) BETWEEN 1 AND 4096),
  storage text NOT NULL CHECK (storage IN ('envelope', 'plaintext')),
  created_at timestamptz NOT NULL,
  retires_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX signing_secrets_one_current ON tenantry.signing_secrets (tenant_id) WHERE retires_at IS NULL;

-- A tenant's claims on custom domains, with the token its DNS must publish. Several tenants may
-- claim one domain (no squatting by an unverified claim); tenantry.verified_domains decides who
-- proved control first.
CREATE TABLE tenantry.custom_domains (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  domain text NOT NULL CHECK (length(domain) BETWEEN 3 AND 253 AND domain = lower(domain)),
  verification_token text NOT NULL CHECK (verification_token ~ '^tenantry-verify=[A-Za-z0-9_-]{32}$'),
  created_at timestamptz NOT NULL,
  verified_at timestamptz,
  last_checked_at timestamptz,
  PRIMARY KEY (tenant_id, domain)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['roles', 'members', 'invitations', 'api_keys', 'allowed_origins', 'signing_secrets', 'custom_domains'] LOOP
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
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.roles, tenantry.members, tenantry.invitations, tenantry.api_keys,
  tenantry.allowed_origins, tenantry.signing_secrets, tenantry.custom_domains TO {{app}};

-- Offboarding purges a tenant's rows from each of them (the purge orders deletes around the
-- foreign keys from members and invitations to roles).
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'roles'), ('tenantry', 'members'), ('tenantry', 'invitations'), ('tenantry', 'api_keys'),
  ('tenantry', 'allowed_origins'), ('tenantry', 'signing_secrets'), ('tenantry', 'custom_domains');

-- ── Registries of globally unique things (operator role only) ────────────────────────────────

-- An API key's public id → its tenant, key and secret hash: what verifyApiKey reads before any
-- tenant is known. A revoked key's row is deleted.
CREATE TABLE tenantry.api_key_registry (
  public_id text PRIMARY KEY CHECK (public_id ~ '^[0-9a-f]{24}$'),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  key_id uuid NOT NULL,
  secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
  created_at timestamptz NOT NULL
);

-- A verified custom domain → the one tenant it resolves to.
CREATE TABLE tenantry.verified_domains (
  domain text PRIMARY KEY CHECK (length(domain) BETWEEN 3 AND 253 AND domain = lower(domain)),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  verified_at timestamptz NOT NULL
);
CREATE INDEX verified_domains_owner ON tenantry.verified_domains (owner_tenant);

-- ── Operators: platform staff, never a tenant's member ──────────────────────────────────────

CREATE TABLE tenantry.operators (
  id uuid PRIMARY KEY,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND email = lower(email)),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  status text NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX operators_email ON tenantry.operators (email);

-- Operator API tokens: like tenant API keys, a public id to find the row and a SHA-256 of the
-- 256-bit secret. Never deleted, so the record of who held which token stays.
CREATE TABLE tenantry.operator_tokens (
  id uuid PRIMARY KEY,
  public_id text NOT NULL UNIQUE CHECK (public_id ~ '^[0-9a-f]{24}$'),
  operator_id uuid NOT NULL REFERENCES tenantry.operators (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX operator_tokens_operator ON tenantry.operator_tokens (operator_id);

-- Impersonation: an operator acting inside one tenant, for a stated reason, for a bounded
-- time. The session token is shown once and stored as a SHA-256. Rows are never deleted.
CREATE TABLE tenantry.impersonation_sessions (
  id uuid PRIMARY KEY,
  public_id text NOT NULL UNIQUE CHECK (public_id ~ '^[0-9a-f]{24}$'),
  secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
  operator_id uuid NOT NULL REFERENCES tenantry.operators (id),
  target_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > started_at),
  ended_at timestamptz,
  ended_by text CHECK (length(ended_by) BETWEEN 1 AND 256)
);
CREATE INDEX impersonation_sessions_tenant ON tenantry.impersonation_sessions (target_tenant, started_at);
CREATE INDEX impersonation_sessions_operator ON tenantry.impersonation_sessions (operator_id, started_at);

REVOKE ALL ON tenantry.api_key_registry, tenantry.verified_domains, tenantry.operators, tenantry.operator_tokens,
  tenantry.impersonation_sessions FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON tenantry.api_key_registry TO {{operator}};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.verified_domains TO {{operator}};
GRANT SELECT, INSERT, UPDATE ON tenantry.operators, tenantry.operator_tokens, tenantry.impersonation_sessions TO {{operator}};
