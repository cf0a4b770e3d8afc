-- Single sign-on (tenantry/identity, docs/sso.md): the keys Tenantry signs its own short-lived
-- tokens with, each tenant's connections to its identity provider, the identities they
-- provisioned, the email domains a tenant proved it controls, and the short-lived records of a
-- sign-in in progress. As in 0005: tenant data has a tenant_id under the one isolation policy;
-- registries over all tenants (`owner_tenant`) are the operator role's only.

-- ── Platform: token signing keys (operator role only) ─────────────────────────────────────────

-- A key signs tokens while it is the newest one not retired; after a rotation the previous key
-- stays published (and accepted) until `retires_at`, so tokens signed just before the rotation
-- still verify. The private scalar is stored only wrapped by the key provider's master key
-- (bound to the key's version), never in clear.
CREATE SEQUENCE tenantry.token_signing_key_version AS integer;
CREATE TABLE tenantry.token_signing_keys (
  kid text PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{16,64}$'),
  version integer NOT NULL UNIQUE,
  alg text NOT NULL CHECK (alg = 'ES256'),
  public_jwk jsonb NOT NULL,
  master_key_id text NOT NULL CHECK (length(master_key_id) BETWEEN 1 AND 256),
  wrapped_private bytea NOT NULL,
  created_at timestamptz NOT NULL,
  retires_at timestamptz
);

-- ── Tenant data ───────────────────────────────────────────────────────────────────────────────

-- A tenant's connection to its identity provider. `settings` holds what is not secret (discovery
-- URL, client id, LDAP URL …); `secret` is the client secret or bind password as a tenant
-- encryption envelope (bound to this tenant, purpose and connection id). `role_rules` map IdP
-- claims or groups to roles; `default_role` is given when no rule matches (NULL: such a user is
-- refused, and a member provisioned by this connection is removed).
CREATE TABLE tenantry.sso_connections (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('oidc', 'saml', 'ldap')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  settings jsonb NOT NULL,
  secret text CHECK (length(secret) <= 8192),
  role_rules jsonb NOT NULL DEFAULT '[]',
  default_role text CHECK (length(default_role) BETWEEN 1 AND 64),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Who signed in through which connection: the IdP's subject → the member's user id. A member
-- with a row here was provisioned just in time and is the connection's to update or remove at
-- the next sign-in; members added by hand have none and are never removed by a sign-in.
CREATE TABLE tenantry.sso_identities (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  connection_id uuid NOT NULL,
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  user_id text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  email text CHECK (length(email) <= 320),
  created_at timestamptz NOT NULL,
  last_sign_in_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, connection_id, subject)
);

-- Email domains a tenant claims for sign-in (domain capture), verified by a DNS TXT record as
-- custom domains are. Several tenants may claim a domain; only a verified one routes sign-ins.
CREATE TABLE tenantry.sso_email_domains (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  domain text NOT NULL CHECK (length(domain) BETWEEN 3 AND 253 AND domain = lower(domain)),
  connection_id uuid NOT NULL,
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
  FOREACH t IN ARRAY ARRAY['sso_connections', 'sso_identities', 'sso_email_domains'] LOOP
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.sso_connections, tenantry.sso_identities, tenantry.sso_email_domains TO {{app}};
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'sso_connections'), ('tenantry', 'sso_identities'), ('tenantry', 'sso_email_domains');

-- ── Registries over all tenants (operator role only) ──────────────────────────────────────────

-- A verified sign-in email domain → the one tenant (and connection) its sign-ins go to.
CREATE TABLE tenantry.sso_verified_email_domains (
  domain text PRIMARY KEY CHECK (length(domain) BETWEEN 3 AND 253 AND domain = lower(domain)),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  connection_id uuid NOT NULL,
  verified_at timestamptz NOT NULL
);
CREATE INDEX sso_verified_email_domains_owner ON tenantry.sso_verified_email_domains (owner_tenant);

-- A sign-in in progress: found by the SHA-256 of its `state` when the IdP redirects back (before
-- any tenant is known), used once, expiring within minutes. The PKCE verifier and nonce are
-- single-use values of this one attempt.
CREATE TABLE tenantry.sso_sign_in_attempts (
  state_hash bytea PRIMARY KEY CHECK (length(state_hash) = 32),
  owner_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  connection_id uuid NOT NULL,
  nonce text NOT NULL CHECK (length(nonce) BETWEEN 16 AND 128),
  code_verifier text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at)
);
CREATE INDEX sso_sign_in_attempts_expiry ON tenantry.sso_sign_in_attempts (expires_at);

-- SAML assertion ids seen, until the assertion would have expired anyway: a replayed assertion
-- finds its id here and is refused.
CREATE TABLE tenantry.saml_assertion_ids (
  connection_id uuid NOT NULL,
  assertion_id text NOT NULL CHECK (length(assertion_id) BETWEEN 1 AND 256),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, assertion_id)
);

REVOKE ALL ON tenantry.token_signing_keys, tenantry.sso_verified_email_domains, tenantry.sso_sign_in_attempts,
  tenantry.saml_assertion_ids FROM PUBLIC;
REVOKE ALL ON SEQUENCE tenantry.token_signing_key_version FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON tenantry.token_signing_keys TO {{operator}};
GRANT USAGE ON SEQUENCE tenantry.token_signing_key_version TO {{operator}};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.sso_verified_email_domains, tenantry.sso_sign_in_attempts,
  tenantry.saml_assertion_ids TO {{operator}};
