-- Quotas, usage metering and usage alerts of the quota capability (src/quota, docs/quotas.md).
-- Every table here is tenant data under the one isolation policy (ISOLATION.md rules 2, 3, 5):
-- tenant_id leads every key, ENABLE + FORCE row-level security, DML for the app role only, and
-- the operator role reads (billing export) or writes (quota overrides) through explicit grants,
-- one tenant at a time with app.tenant_id set, like master-key rotation does.
-- The plan itself is tenantry.tenants.plan; the plan catalog (limits, features, prices) is code.

-- The check-and-lock row of each (meter, period): `used` is what was consumed, `reserved` what
-- open reservations hold. A reservation is one conditional UPDATE of this row, so concurrent
-- reservations of one tenant and meter serialize on its row lock and the hard limit holds.
-- `period` is 'YYYY-MM' for meters that reset each billing period (API calls) and 'all' for
-- levels that persist (storage bytes, seats).
CREATE TABLE tenantry.quota_usage (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  meter text NOT NULL CHECK (meter ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' OR period = 'all'),
  used bigint NOT NULL DEFAULT 0,
  reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, meter, period)
);

-- Open reservations (an upload reserves bytes, then commits its real size or releases them).
-- An expired one is released by the next reservation that would otherwise be refused.
CREATE TABLE tenantry.quota_reservations (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  meter text NOT NULL,
  period text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, meter, period) REFERENCES tenantry.quota_usage (tenant_id, meter, period)
);
CREATE INDEX quota_reservations_expiry ON tenantry.quota_reservations (tenant_id, meter, period, expires_at);

-- Usage events, kept for idempotency: a retried event (same id) is counted once, also when the
-- retries race (the primary key makes the second insert wait for the first and then skip).
CREATE TABLE tenantry.usage_events (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  meter text NOT NULL CHECK (meter ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  quantity bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX usage_events_recorded ON tenantry.usage_events (tenant_id, recorded_at);

-- Usage per UTC day: the sum of the day for period meters, the peak level for level meters.
-- History reads it; the billing export aggregates it per period (sum, or max for levels).
CREATE TABLE tenantry.usage_daily (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  meter text NOT NULL CHECK (meter ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  day date NOT NULL,
  quantity bigint NOT NULL,
  PRIMARY KEY (tenant_id, meter, day)
);

-- Per-tenant hard-limit overrides set by an operator (audited in the tenant's audit log).
-- `hard_limit` NULL means unlimited; no row means the plan's limit.
CREATE TABLE tenantry.quota_overrides (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  meter text NOT NULL CHECK (meter ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  hard_limit bigint CHECK (hard_limit >= 0),
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL CHECK (length(updated_by) BETWEEN 1 AND 256),
  PRIMARY KEY (tenant_id, meter)
);

-- Usage alerts: a soft limit passed, 80 % or 100 % of a hard limit reached. The primary key
-- makes each one happen once per meter and period, whatever races. `delivered_at` and
-- `claimed_until` are the webhook's outbox state.
CREATE TABLE tenantry.quota_alerts (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  meter text NOT NULL CHECK (meter ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  alert text NOT NULL CHECK (alert IN ('soft_limit', 'limit_80', 'limit_100')),
  id uuid NOT NULL,
  used bigint NOT NULL,
  limit_value bigint NOT NULL,
  created_at timestamptz NOT NULL,
  claimed_until timestamptz,
  delivered_at timestamptz,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  PRIMARY KEY (tenant_id, meter, period, alert),
  UNIQUE (tenant_id, id)
);
CREATE INDEX quota_alerts_undelivered ON tenantry.quota_alerts (tenant_id, created_at) WHERE delivered_at IS NULL;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['quota_usage', 'quota_reservations', 'usage_events', 'usage_daily', 'quota_overrides', 'quota_alerts'] LOOP
    -- ISOLATION.md rules 2 and 3, exactly as isolateTable() writes them.
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;

-- DML only for the app role (rule 1). Overrides are an operator's decision: the app role reads
-- them (and deletes them only with the rest of an offboarded tenant's data).
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.quota_usage, tenantry.quota_reservations, tenantry.usage_events,
  tenantry.usage_daily, tenantry.quota_alerts TO {{app}};
GRANT SELECT, DELETE ON tenantry.quota_overrides TO {{app}};
-- The operator: overrides per tenant, and the billing export's reads.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.quota_overrides TO {{operator}};
GRANT SELECT ON tenantry.usage_daily, tenantry.quota_usage TO {{operator}};

-- Offboarding purges them with the rest of the tenant's data (registered together, they are
-- purged by name: quota_reservations before the quota_usage rows it references).
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'quota_usage'), ('tenantry', 'quota_reservations'), ('tenantry', 'usage_events'),
  ('tenantry', 'usage_daily'), ('tenantry', 'quota_overrides'), ('tenantry', 'quota_alerts');
