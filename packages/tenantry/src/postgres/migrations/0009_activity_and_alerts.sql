-- Per-tenant activity, alert events, the registry's status history and the record of operators'
-- cross-tenant reads, for the health capability (src/health, docs/health-and-analytics.md).
--
-- All four are platform records, not tenant data: the platform observes tenants and writes
-- these itself, in batches across tenants; no tenant reads them. So, like the registries of
-- migration 0005, they carry `subject_tenant` (not `tenant_id`), are not under row-level
-- security, and the app role has no privilege on them at all: a request path that got past the
-- SQL guard still could not forge or read another tenant's activity. Only the operator role
-- reads and writes them, through the library's constant SQL (ISOLATION.md rule 1).

-- Requests, errors and a latency histogram per tenant per 5-minute bucket. Five minutes, not an
-- hour: health looks at the last minutes; hourly and daily views add buckets up. Rows are
-- added to (INSERT … ON CONFLICT DO UPDATE) by every process that served the tenant.
-- No foreign key to tenantry.tenants: a flush is one statement for many tenants, and one
-- unknown id must not make the whole batch fail; reads join the registry.
CREATE TABLE tenantry.tenant_activity (
  subject_tenant uuid NOT NULL,
  bucket_start timestamptz NOT NULL CHECK (extract(epoch FROM bucket_start)::bigint % 300 = 0),
  requests bigint NOT NULL CHECK (requests >= 0),
  -- 5xx answers (the platform's fault) and 4xx answers (the caller's), apart.
  server_errors bigint NOT NULL CHECK (server_errors BETWEEN 0 AND requests),
  client_errors bigint NOT NULL CHECK (client_errors BETWEEN 0 AND requests),
  duration_ms_sum double precision NOT NULL CHECK (duration_ms_sum >= 0),
  -- Counts per latency bucket; the bounds are fixed in the library (activity-histogram.ts).
  latency_counts bigint[] NOT NULL CHECK (cardinality(latency_counts) = 12),
  PRIMARY KEY (subject_tenant, bucket_start)
);
-- Cross-tenant reads go by time first (active tenants, usage by hour, top tenants).
CREATE INDEX tenant_activity_bucket ON tenantry.tenant_activity (bucket_start);

-- Alert events: a rule over a tenant's health metric crossed its threshold. At most one open
-- event per tenant and rule (the partial unique index): evaluators that see it again, even
-- concurrently, update that row (count, last_seen_at) instead of adding one.
CREATE TABLE tenantry.alert_events (
  id uuid PRIMARY KEY,
  subject_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  rule text NOT NULL CHECK (rule ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  metric text NOT NULL CHECK (length(metric) BETWEEN 1 AND 64),
  value double precision NOT NULL,
  threshold double precision NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved')),
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL CHECK (last_seen_at >= first_seen_at),
  resolved_at timestamptz CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
  count integer NOT NULL CHECK (count >= 1)
);
CREATE UNIQUE INDEX alert_events_one_open ON tenantry.alert_events (subject_tenant, rule) WHERE status = 'open';
CREATE INDEX alert_events_status ON tenantry.alert_events (status, last_seen_at);

-- What operators read across tenants (analytics, health, alerts): one row per read, append-only.
-- A platform record rather than an event in each tenant's audit chain: one analytics read
-- touches every tenant, and N chain appends per dashboard refresh would flood the tenants' own
-- logs (and their exports) with the platform's reads.
CREATE TABLE tenantry.operator_actions (
  id uuid PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.:-]{0,127}$'),
  -- The one tenant read, when the action read one (GET /v1/tenants/:id/health).
  subject_tenant uuid,
  request_id text CHECK (length(request_id) BETWEEN 1 AND 256),
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX operator_actions_time ON tenantry.operator_actions (occurred_at, id);
CREATE INDEX operator_actions_actor ON tenantry.operator_actions (actor, occurred_at);

CREATE FUNCTION tenantry.operator_actions_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'the operator action log is append-only: % refused', TG_OP USING ERRCODE = 'TA405';
END $$;
CREATE TRIGGER operator_actions_append_only BEFORE UPDATE OR DELETE ON tenantry.operator_actions
  FOR EACH ROW EXECUTE FUNCTION tenantry.operator_actions_append_only();
CREATE TRIGGER operator_actions_no_truncate BEFORE TRUNCATE ON tenantry.operator_actions
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.operator_actions_append_only();

-- Lifecycle history of the registry, for churn over time: tenantry.tenants keeps only the
-- latest status, so an offboarding followed by a deletion days later would move the churn to
-- the deletion day. A trigger records every status change, whoever makes it.
CREATE TABLE tenantry.tenant_status_changes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject_tenant uuid NOT NULL REFERENCES tenantry.tenants (id),
  changed_at timestamptz NOT NULL,
  -- NULL for the rows backfilled below (the status before is unknown).
  from_status text,
  to_status text NOT NULL
);
CREATE INDEX tenant_status_changes_to ON tenantry.tenant_status_changes (to_status, changed_at);
CREATE INDEX tenant_status_changes_tenant ON tenantry.tenant_status_changes (subject_tenant, changed_at);

-- SECURITY INVOKER: it inserts with the rights of whoever changed the status (the operator role,
-- or the owner), which the grants below allow; the app role cannot change a status at all.
CREATE FUNCTION tenantry.tenants_record_status_change() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO tenantry.tenant_status_changes (subject_tenant, changed_at, from_status, to_status)
  VALUES (NEW.id,
          CASE WHEN NEW.status_changed_at IS DISTINCT FROM OLD.status_changed_at THEN NEW.status_changed_at ELSE pg_catalog.now() END,
          OLD.status, NEW.status);
  RETURN NULL;
END $$;
CREATE TRIGGER tenants_status_history AFTER UPDATE OF status ON tenantry.tenants
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tenantry.tenants_record_status_change();

-- What is known of tenants that left before this migration: their current status and when.
INSERT INTO tenantry.tenant_status_changes (subject_tenant, changed_at, from_status, to_status)
  SELECT id, status_changed_at, NULL, status FROM tenantry.tenants WHERE status IN ('offboarding', 'deleted');

REVOKE ALL ON tenantry.tenant_activity, tenantry.alert_events, tenantry.operator_actions, tenantry.tenant_status_changes FROM PUBLIC;
REVOKE ALL ON FUNCTION tenantry.tenants_record_status_change() FROM PUBLIC;
GRANT SELECT, INSERT ON tenantry.tenant_status_changes TO {{operator}};
REVOKE ALL ON FUNCTION tenantry.operator_actions_append_only() FROM PUBLIC;
-- DELETE on activity for retention (pruneActivity); alert events are resolved, never deleted.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.tenant_activity TO {{operator}};
GRANT SELECT, INSERT, UPDATE ON tenantry.alert_events TO {{operator}};
GRANT SELECT, INSERT ON tenantry.operator_actions TO {{operator}};
