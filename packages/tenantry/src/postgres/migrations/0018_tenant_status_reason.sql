-- Why an operator suspended, offboarded or deleted a tenant: kept on the tenant beside its
-- status (shown with it, and cleared when the status changes again without one), and in the
-- audit event of the transition. Free text from platform staff, never from the tenant.
ALTER TABLE tenantry.tenants ADD COLUMN status_reason text
  CONSTRAINT tenants_status_reason_length CHECK (char_length(status_reason) BETWEEN 1 AND 500);
