-- Subscriptions and invoicing (src/billing, docs/billing.md).
--
-- subscriptions, billing_provider_events and invoice_numbers are registry-like (one row per
-- tenant, provider event or issued number): the operator manages them across tenants, the app
-- role reads at most the row of the tenant in context, like tenantry.tenants. Their tenant column
-- is named `tenant`, not `tenant_id`: `tenant_id` marks tenant data, which the isolation verifier
-- (docs/verify.md) holds to the standard policy and tenant-led keys. Invoices, their lines and the pending lines
-- (proration and credits waiting for the period's invoice) are tenant data under the one
-- isolation policy; the operator writes them one tenant at a time with app.tenant_id set.
-- Invoices are legal records: like the audit log they are not registered for the offboarding
-- purge, and they are immutable (triggers below): a correction is a credit note.

CREATE TABLE tenantry.subscriptions (
  tenant uuid PRIMARY KEY REFERENCES tenantry.tenants (id),
  plan text NOT NULL CHECK (length(plan) BETWEEN 1 AND 64),
  status text NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- When the subscription started: its first period is billed from here (or from trial_end).
  anchor timestamptz NOT NULL,
  trial_end timestamptz,
  -- The open period [current_period_start, current_period_end) and the plan it started with.
  current_period_start timestamptz NOT NULL,
  current_period_end timestamptz NOT NULL CHECK (current_period_end > current_period_start),
  period_plan text NOT NULL,
  -- Base is billed from here within the period (after a trial, or a mid-month start).
  billable_from timestamptz NOT NULL,
  scheduled_plan text,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  canceled_at timestamptz,
  -- Set when the last period's invoice is issued: nothing is due any more.
  ended_at timestamptz,
  past_due_since timestamptz,
  entitlement text NOT NULL DEFAULT 'full' CHECK (entitlement IN ('full', 'read_only', 'suspended')),
  provider text,
  provider_customer_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX subscriptions_provider_customer ON tenantry.subscriptions (provider, provider_customer_id) WHERE provider_customer_id IS NOT NULL;
CREATE INDEX subscriptions_due ON tenantry.subscriptions (current_period_end) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_past_due ON tenantry.subscriptions (past_due_since) WHERE status = 'past_due';

ALTER TABLE tenantry.subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_self ON tenantry.subscriptions FOR SELECT TO {{app}}
  USING (tenant = (SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::uuid));
CREATE POLICY subscriptions_operator ON tenantry.subscriptions FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
REVOKE ALL ON tenantry.subscriptions FROM PUBLIC;
GRANT SELECT ON tenantry.subscriptions TO {{app}};
GRANT SELECT, INSERT, UPDATE ON tenantry.subscriptions TO {{operator}};

-- Provider events already applied: a redelivered webhook (same provider and event id) is a no-op.
CREATE TABLE tenantry.billing_provider_events (
  provider text NOT NULL,
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
  type text NOT NULL,
  tenant uuid,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);
ALTER TABLE tenantry.billing_provider_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.billing_provider_events FORCE ROW LEVEL SECURITY;
CREATE POLICY billing_provider_events_operator ON tenantry.billing_provider_events FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
REVOKE ALL ON tenantry.billing_provider_events FROM PUBLIC;
GRANT SELECT, INSERT ON tenantry.billing_provider_events TO {{operator}};

-- One gapless counter per issuer: the row is locked (UPDATE … RETURNING) in the transaction that
-- inserts the invoice, so a rolled-back close gives its number back and concurrent closes take
-- numbers one after the other.
CREATE TABLE tenantry.invoice_counters (
  issuer text PRIMARY KEY CHECK (issuer ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'),
  last_number bigint NOT NULL DEFAULT 0 CHECK (last_number >= 0)
);
ALTER TABLE tenantry.invoice_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.invoice_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY invoice_counters_operator ON tenantry.invoice_counters FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
REVOKE ALL ON tenantry.invoice_counters FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON tenantry.invoice_counters TO {{operator}};

-- Every number issued, once: the database's last word against a duplicate (the counter above
-- already hands them out one by one). Cross-tenant by nature, so not tenant data.
CREATE TABLE tenantry.invoice_numbers (
  issuer text NOT NULL REFERENCES tenantry.invoice_counters (issuer),
  number bigint NOT NULL CHECK (number > 0),
  tenant uuid NOT NULL,
  invoice uuid NOT NULL,
  PRIMARY KEY (issuer, number)
);
ALTER TABLE tenantry.invoice_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenantry.invoice_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY invoice_numbers_operator ON tenantry.invoice_numbers FOR ALL TO {{operator}} USING (true) WITH CHECK (true);
REVOKE ALL ON tenantry.invoice_numbers FROM PUBLIC;
GRANT SELECT, INSERT ON tenantry.invoice_numbers TO {{operator}};

CREATE TABLE tenantry.invoices (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  issuer text NOT NULL,
  number bigint NOT NULL CHECK (number > 0),
  kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  corrects uuid,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  plan text NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_minor bigint NOT NULL,
  tax_rate_ppm integer NOT NULL CHECK (tax_rate_ppm BETWEEN 0 AND 1000000),
  tax_minor bigint NOT NULL,
  total_minor bigint NOT NULL CHECK (total_minor = subtotal_minor + tax_minor),
  status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
  issued_at timestamptz NOT NULL,
  paid_at timestamptz,
  voided_at timestamptz,
  provider_invoice_id text,
  PRIMARY KEY (tenant_id, id),
  CHECK ((kind = 'credit_note') = (corrects IS NOT NULL))
);
-- Re-running a period close finds the invoice already there.
CREATE UNIQUE INDEX invoices_one_per_period ON tenantry.invoices (tenant_id, period) WHERE kind = 'invoice';
CREATE INDEX invoices_by_tenant ON tenantry.invoices (tenant_id, issued_at, number);

CREATE TABLE tenantry.invoice_lines (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  invoice_id uuid NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  kind text NOT NULL CHECK (kind IN ('base', 'overage', 'proration', 'credit', 'correction')),
  meter text,
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  quantity bigint NOT NULL,
  unit_price_minor bigint NOT NULL,
  amount_minor bigint NOT NULL,
  PRIMARY KEY (tenant_id, invoice_id, position),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES tenantry.invoices (tenant_id, id)
);

-- Proration and credits waiting for the invoice of their period; consumed (invoice_id set) once.
CREATE TABLE tenantry.billing_pending_lines (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  -- Insertion order per tenant (max + 1 under the subscription's row lock; a shared sequence
  -- would leak other tenants' activity): the lines appear on the invoice in the order they arose.
  seq bigint NOT NULL,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  kind text NOT NULL CHECK (kind IN ('proration', 'credit')),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  quantity bigint NOT NULL DEFAULT 1,
  amount_minor bigint NOT NULL,
  created_at timestamptz NOT NULL,
  invoice_id uuid,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX billing_pending_open ON tenantry.billing_pending_lines (tenant_id, period) WHERE invoice_id IS NULL;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['invoices', 'invoice_lines', 'billing_pending_lines'] LOOP
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;

-- The tenant reads its invoices; only the operator issues them. No role may DELETE an invoice
-- or a line, and UPDATE reaches only the status columns (the trigger checks the rest).
GRANT SELECT ON tenantry.invoices, tenantry.invoice_lines, tenantry.billing_pending_lines TO {{app}};
GRANT SELECT, INSERT ON tenantry.invoices, tenantry.invoice_lines TO {{operator}};
GRANT UPDATE (status, paid_at, voided_at, provider_invoice_id) ON tenantry.invoices TO {{operator}};
GRANT SELECT, INSERT ON tenantry.billing_pending_lines TO {{operator}};
GRANT UPDATE (invoice_id) ON tenantry.billing_pending_lines TO {{operator}};

-- Immutability, also against the owner: an invoice's amounts, lines, number and dates never
-- change; its status moves only open → paid or open → void (and a provider id may be set once).
CREATE FUNCTION tenantry.invoices_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'invoices are immutable: issue a credit note' USING ERRCODE = 'TB409';
  END IF;
  IF (NEW.tenant_id, NEW.id, NEW.issuer, NEW.number, NEW.kind, NEW.corrects, NEW.period, NEW.plan, NEW.currency,
      NEW.subtotal_minor, NEW.tax_rate_ppm, NEW.tax_minor, NEW.total_minor, NEW.issued_at)
     IS DISTINCT FROM
     (OLD.tenant_id, OLD.id, OLD.issuer, OLD.number, OLD.kind, OLD.corrects, OLD.period, OLD.plan, OLD.currency,
      OLD.subtotal_minor, OLD.tax_rate_ppm, OLD.tax_minor, OLD.total_minor, OLD.issued_at) THEN
    RAISE EXCEPTION 'invoices are immutable: issue a credit note' USING ERRCODE = 'TB409';
  END IF;
  IF OLD.provider_invoice_id IS NOT NULL AND NEW.provider_invoice_id IS DISTINCT FROM OLD.provider_invoice_id THEN
    RAISE EXCEPTION 'the provider invoice id is set once' USING ERRCODE = 'TB409';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status = 'open' AND NEW.status IN ('paid', 'void')) THEN
    RAISE EXCEPTION 'invoice status % cannot become %', OLD.status, NEW.status USING ERRCODE = 'TB409';
  END IF;
  IF NEW.status = OLD.status AND (NEW.paid_at, NEW.voided_at) IS DISTINCT FROM (OLD.paid_at, OLD.voided_at) THEN
    RAISE EXCEPTION 'invoice dates are immutable' USING ERRCODE = 'TB409';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON tenantry.invoices
  FOR EACH ROW EXECUTE FUNCTION tenantry.invoices_immutable();

CREATE FUNCTION tenantry.invoice_lines_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'invoice lines are immutable: issue a credit note' USING ERRCODE = 'TB409';
END $$;
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON tenantry.invoice_lines
  FOR EACH ROW EXECUTE FUNCTION tenantry.invoice_lines_immutable();
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON tenantry.invoices
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.invoice_lines_immutable();
CREATE TRIGGER invoice_lines_no_truncate BEFORE TRUNCATE ON tenantry.invoice_lines
  FOR EACH STATEMENT EXECUTE FUNCTION tenantry.invoice_lines_immutable();

-- A consumed pending line stays consumed.
CREATE FUNCTION tenantry.billing_pending_consume_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.invoice_id IS NOT NULL
     OR (NEW.tenant_id, NEW.id, NEW.seq, NEW.period, NEW.kind, NEW.description, NEW.quantity, NEW.amount_minor, NEW.created_at)
        IS DISTINCT FROM (OLD.tenant_id, OLD.id, OLD.seq, OLD.period, OLD.kind, OLD.description, OLD.quantity, OLD.amount_minor, OLD.created_at) THEN
    RAISE EXCEPTION 'pending billing lines are consumed once and never edited' USING ERRCODE = 'TB409';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER billing_pending_consume_once BEFORE UPDATE OR DELETE ON tenantry.billing_pending_lines
  FOR EACH ROW EXECUTE FUNCTION tenantry.billing_pending_consume_once();
