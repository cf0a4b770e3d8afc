-- The gate holds at every isolation level (docs/isolation-rules.md rule 26).
--
-- Under READ COMMITTED each statement of enter_tenant reads with a fresh snapshot: when it had
-- to wait for the tenant's lifecycle lock (a suspend, offboard or delete in progress), the
-- status it reads after the wait is the one that transition committed. Under REPEATABLE READ
-- and SERIALIZABLE the whole transaction reads one snapshot, taken when this statement began,
-- before the wait: a tenant suspended meanwhile would be read as active and admitted.
--
-- So at those levels the gate does not wait: when the lock is not free at once (a transition
-- holds it or is queued for it) it refuses with SQLSTATE 40001, the serialization failure
-- callers at those levels retry anyway; the retry reads the new status. When the lock is free
-- no transition is in progress, and the snapshot — taken when this statement began, before
-- the lock — is a view of the tenant the transaction may work on; a later transition waits
-- for it as it waits for any transaction in flight.
CREATE OR REPLACE FUNCTION tenantry.enter_tenant(p_tenant uuid, p_purpose text DEFAULT 'work') RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
  v_status text;
BEGIN
  IF pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1414419545, pg_catalog.hashtext(p_tenant::text));
  ELSIF NOT pg_catalog.pg_try_advisory_xact_lock_shared(1414419545, pg_catalog.hashtext(p_tenant::text)) THEN
    RAISE EXCEPTION 'tenant is changing state; retry the transaction' USING ERRCODE = '40001';
  END IF;
  PERFORM pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
  SELECT t.status INTO v_status FROM tenantry.tenants t WHERE t.id = p_tenant;
  IF v_status = 'active' OR (p_purpose = 'offboarding' AND v_status = 'offboarding') THEN
    RETURN;
  END IF;
  IF v_status IS NULL OR v_status = 'deleted' THEN
    RAISE EXCEPTION 'tenant not found' USING ERRCODE = 'TN404';
  ELSIF v_status = 'suspended' THEN
    RAISE EXCEPTION 'tenant suspended' USING ERRCODE = 'TN403';
  ELSE
    RAISE EXCEPTION 'tenant not active' USING ERRCODE = 'TN503';
  END IF;
END $$;
