-- Per-tenant data keys of the crypto capability (src/crypto): one random 256-bit key per tenant
-- and version, stored only wrapped by a master key the database never holds. They are tenant
-- data, under the same row-level isolation as the application's tables: the app role reads
-- and writes only the keys of the tenant in force, so tenant A cannot even load B's key.
CREATE TABLE tenantry.tenant_keys (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  version integer NOT NULL CHECK (version >= 1),
  -- Which master key wrapped it; NULL once destroyed.
  master_key_id text CHECK (length(master_key_id) BETWEEN 1 AND 2048),
  wrapped_key bytea CHECK (length(wrapped_key) BETWEEN 1 AND 8192),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set by master-key rotation (rewrapDataKeys), which re-wraps the key without changing it.
  rewrapped_at timestamptz,
  -- Crypto-shredding drops the wrapped key but keeps the row: the version is never reused (a
  -- new key under an old version would turn old ciphertext into garbage instead of an error),
  -- and decryption can say the key was destroyed.
  destroyed_at timestamptz,
  PRIMARY KEY (tenant_id, version),
  CONSTRAINT tenant_keys_live_or_destroyed CHECK (
    (destroyed_at IS NULL AND master_key_id IS NOT NULL AND wrapped_key IS NOT NULL)
    OR (destroyed_at IS NOT NULL AND master_key_id IS NULL AND wrapped_key IS NULL)
  )
);

-- ISOLATION.md rules 2, 3 and 5, exactly as isolateTable() writes them.
ALTER TABLE tenantry.tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantry_isolation ON tenantry.tenant_keys AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid));

REVOKE ALL ON tenantry.tenant_keys FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.tenant_keys TO {{app}};
-- Master-key rotation is cross-tenant work: the operator re-wraps keys one tenant at a time,
-- under that tenant's policy, and may change nothing but the wrapping.
GRANT SELECT, UPDATE (master_key_id, wrapped_key, rewrapped_at) ON tenantry.tenant_keys TO {{operator}};

-- Offboarding purges a tenant's rows from every registered table: its wrapped keys go too.
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES ('tenantry', 'tenant_keys');
