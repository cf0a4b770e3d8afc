-- Tenant webhooks (docs/webhooks.md): each tenant's endpoints with the event types they subscribe
-- to, one delivery per (event, endpoint), and every attempt of every delivery. All three are
-- tenant data under the one isolation policy (as in 0005), purged with the tenant. No foreign
-- keys between them: deleting an endpoint deletes its log in the same transaction, and the purge
-- may delete the tables in any order.

CREATE TABLE tenantry.webhook_endpoints (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  -- Exact types (`member.added`) or a family (`member.*`); at least one.
  event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  description text CHECK (length(description) <= 500),
  enabled boolean NOT NULL DEFAULT true,
  -- Why it was disabled (by its owner, or after `consecutive_failures` reached the limit).
  disabled_reason text CHECK (length(disabled_reason) <= 500),
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- One event for one endpoint. `payload` is the exact body sent (every attempt sends the same
-- bytes, under the same `event_id`, so receivers deduplicate by it).
CREATE TABLE tenantry.webhook_deliveries (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  endpoint_id uuid NOT NULL,
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 100),
  event_type text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
  payload text NOT NULL CHECK (length(payload) <= 262144),
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- Set when this delivery replays an earlier one (from the log).
  replay_of uuid,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON tenantry.webhook_deliveries (tenant_id, endpoint_id, created_at DESC);

-- Every attempt: when, how long, the receiver's status or why there was none.
CREATE TABLE tenantry.webhook_attempts (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  delivery_id uuid NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  at timestamptz NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  status_code integer CHECK (status_code BETWEEN 100 AND 599),
  error text CHECK (length(error) <= 500),
  PRIMARY KEY (tenant_id, delivery_id, attempt)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'] LOOP
    -- ISOLATION rules 2 and 3, exactly as isolateTable() writes them.
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.webhook_endpoints, tenantry.webhook_deliveries, tenantry.webhook_attempts TO {{app}};
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'webhook_endpoints'), ('tenantry', 'webhook_deliveries'), ('tenantry', 'webhook_attempts');
