-- The gate holds at every isolation level (docs/isolation-rules.md rule 26).
--
-- Under READ COMMITTED each statement of enter_tenant reads with a fresh snapshot: when it had
-- to wait for the tenant's lifecycle lock (a suspend, offboard or delete in progress), the
-- status it reads after the wait is the one that transition committed. Under REPEATABLE READ
-- and SERIALIZABLE the whole transaction reads one snapshot, taken when this statement began,
-- before the wait: a tenant suspended meanwhile would be read as active and admitted.
--
-- Waiting less does not close that: the snapshot is taken when the gate statement begins, before
-- any lock, so a transition that commits in between is missed even without a wait. So at those
-- levels the gate refuses (SQLSTATE TN422, ISOLATION_STATEMENT_REFUSED): tenant transactions run
-- at READ COMMITTED, the level whose statements each see what committed before them.
CREATE OR REPLACE FUNCTION tenantry.enter_tenant(p_tenant uuid, p_purpose text DEFAULT 'work') RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
  v_status text;
BEGIN
  IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'tenant transactions run at READ COMMITTED' USING ERRCODE = 'TN422';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock_shared(1414419545, pg_catalog.hashtext(p_tenant::text));
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
