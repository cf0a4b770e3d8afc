-- The tamper-evident audit log of the audit capability (src/audit, docs/audit.md): per tenant,
-- a hash chain of events, the head it is appended to, and signed checkpoints of that head.
-- All three are tenant data, under the one isolation policy (ISOLATION.md rules 2, 3 and 5).
-- The hashes and signatures are computed by the library; the database enforces order and
-- append-only, and never holds the checkpoint key (rule 19).

CREATE TABLE tenantry.audit_events (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  -- 1, 2, 3 … per tenant, never a global sequence (rule 8).
  seq bigint NOT NULL CHECK (seq >= 1),
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- Microseconds, like the hashed text: what is read back is exactly what was hashed.
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.:-]{0,127}$'),
  target text CHECK (length(target) BETWEEN 1 AND 512),
  request_id text CHECK (length(request_id) BETWEEN 1 AND 256),
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  PRIMARY KEY (tenant_id, seq)
);
-- The query API's filters; each index leads with tenant_id and ends with seq (its order).
CREATE INDEX audit_events_actor ON tenantry.audit_events (tenant_id, actor, seq);
CREATE INDEX audit_events_action ON tenantry.audit_events (tenant_id, action, seq);
CREATE INDEX audit_events_target ON tenantry.audit_events (tenant_id, target, seq) WHERE target IS NOT NULL;
CREATE INDEX audit_events_time ON tenantry.audit_events (tenant_id, occurred_at);

-- One row per chain: the seq and hash the next event extends. Appends lock it (SELECT … FOR
-- UPDATE by way of INSERT … ON CONFLICT DO UPDATE), which serializes the appends of one tenant
-- and no other. It is a cursor, not evidence: verification trusts hashes and checkpoints.
CREATE TABLE tenantry.audit_heads (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  seq bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
  hash text NOT NULL DEFAULT repeat('0', 64) CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (tenant_id)
);

-- Signed heads, apart from the events. Written by the operator role (the process that holds
-- the signing key); the app role only reads its tenant's, to export them.
CREATE TABLE tenantry.audit_checkpoints (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  seq bigint NOT NULL CHECK (seq >= 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL,
  key_id text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
  algorithm text NOT NULL CHECK (algorithm IN ('ed25519', 'hmac-sha256')),
  signature text NOT NULL CHECK (signature ~ '^[A-Za-z0-9_-]{1,200}$'),
  PRIMARY KEY (tenant_id, seq, key_id)
);

ALTER TABLE tenantry.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantry_isolation ON tenantry.audit_events AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE tenantry.audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantry_isolation ON tenantry.audit_heads AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE tenantry.audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantry_isolation ON tenantry.audit_checkpoints AS PERMISSIVE FOR ALL TO PUBLIC
  USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid));

-- Privileges: read and append, never change. The operator also appends (lifecycle events in
-- the registry's transaction), writes checkpoints, and may DELETE only for eraseAuditLog,
-- which the triggers below confine to deleted tenants. Nobody but the owner has TRUNCATE.
REVOKE ALL ON tenantry.audit_events, tenantry.audit_heads, tenantry.audit_checkpoints FROM PUBLIC;
GRANT SELECT, INSERT ON tenantry.audit_events TO {{app}};
GRANT SELECT, INSERT, UPDATE ON tenantry.audit_heads TO {{app}};
GRANT SELECT ON tenantry.audit_checkpoints TO {{app}};
GRANT SELECT, INSERT, DELETE ON tenantry.audit_events TO {{operator}};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.audit_heads TO {{operator}};
GRANT SELECT, INSERT, DELETE ON tenantry.audit_checkpoints TO {{operator}};

-- An event must extend its chain's head: seq = head + 1 and prev_hash = head's hash. Then the
-- head moves to it. Two appends that read the same head cannot both get in, whatever wrote
-- them. SECURITY INVOKER: it acts with the inserter's rights, under the same policy.
CREATE FUNCTION tenantry.audit_events_extend_head() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_seq bigint;
  v_hash text;
BEGIN
  INSERT INTO tenantry.audit_heads AS h (tenant_id) VALUES (NEW.tenant_id)
    ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq
    RETURNING h.seq, h.hash INTO v_seq, v_hash;
  IF NEW.seq <> v_seq + 1 OR NEW.prev_hash <> v_hash THEN
    RAISE EXCEPTION 'the audit event does not extend its chain head' USING ERRCODE = 'TA409';
  END IF;
  UPDATE tenantry.audit_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_events_extend_head BEFORE INSERT ON tenantry.audit_events
  FOR EACH ROW EXECUTE FUNCTION tenantry.audit_events_extend_head();

-- Append-only, for every role including the owner: privileges stop the app role, this stops
-- casual edits by anyone else (an owner must ALTER TABLE … DISABLE TRIGGER, which is visible
-- in the logs, and the hashes and checkpoints show what was changed). One exception: rows of
-- a tenant the registry says is deleted, in a transaction that set tenantry.audit_erase to it
-- (eraseAuditLog, after retention).
CREATE FUNCTION tenantry.audit_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.tenant_id::text = current_setting('tenantry.audit_erase', true)
       AND EXISTS (SELECT 1 FROM tenantry.tenants t WHERE t.id = OLD.tenant_id AND t.status = 'deleted') THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'TA405';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON tenantry.audit_events
  FOR EACH ROW EXECUTE FUNCTION tenantry.audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON tenantry.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON tenantry.audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION tenantry.audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON tenantry.audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.audit_append_only();
-- The head is updated by every append, but deleted only with the rest of an erased log.
CREATE TRIGGER audit_heads_erase_only BEFORE DELETE ON tenantry.audit_heads
  FOR EACH ROW EXECUTE FUNCTION tenantry.audit_append_only();

-- Not registered in tenantry.isolated_tables: the offboarding purge must not (and, by the
-- trigger, cannot) delete the audit log. It outlives the tenant for its retention period.
