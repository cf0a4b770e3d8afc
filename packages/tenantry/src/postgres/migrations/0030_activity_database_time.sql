-- Database time per tenant beside its requests (docs/noisy-neighbours.md): the sum of its
-- statements' round trips in each activity bucket, written by the activity recorder from the
-- tenant database's observer. The health reports derive `dbLoad` from it (the average number of
-- connections the tenant kept busy), which alert rules can watch to find hot tenants.
ALTER TABLE tenantry.tenant_activity ADD COLUMN db_ms_sum double precision NOT NULL DEFAULT 0
  CONSTRAINT tenant_activity_db_ms_sum_positive CHECK (db_ms_sum >= 0);
