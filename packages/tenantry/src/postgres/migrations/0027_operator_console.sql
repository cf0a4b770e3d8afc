-- Migration 0027 (issue 22, the operator's console).
-- Alert triage by operators: who acknowledged an open alert and when, until when it is snoozed
-- (and by whom), and who resolved it by hand (NULL when the evaluator saw it clear). Whether a
-- snooze still holds is decided by the reader's clock against snoozed_until, never stored.
ALTER TABLE tenantry.alert_events
  ADD COLUMN acknowledged_at timestamptz,
  ADD COLUMN acknowledged_by text CHECK (char_length(acknowledged_by) BETWEEN 1 AND 200),
  ADD COLUMN snoozed_until timestamptz,
  ADD COLUMN snoozed_by text CHECK (char_length(snoozed_by) BETWEEN 1 AND 200),
  ADD COLUMN resolved_by text CHECK (char_length(resolved_by) BETWEEN 1 AND 200),
  ADD CONSTRAINT alert_events_acknowledged_pair CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
  ADD CONSTRAINT alert_events_snoozed_pair CHECK ((snoozed_until IS NULL) = (snoozed_by IS NULL));

-- The operator's read-only view of a tenant names its owners and counts its seats whatever its
-- status (the tenant gate refuses a suspended tenant's own transactions). Like 0011, one more
-- column of members, readable only under the table's row-level policy (the tenant set in the
-- operator's own transaction): the role, to tell the owners apart. No other member data.
GRANT SELECT (builtin_role) ON tenantry.members TO {{operator}};
