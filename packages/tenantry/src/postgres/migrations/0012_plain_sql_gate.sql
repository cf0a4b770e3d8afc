-- The tenant gate without a plpgsql call or a lock (docs/isolation.md "What it costs").
--
-- Before: every tenant statement (and the first of every tenant transaction) ran
-- tenantry.enter_tenant: a plpgsql call that took the tenant's lifecycle lock (shared), set the
-- tenant and looked up its status through SPI. Now the gate is one plain SQL statement the
-- library sends (postgres/tenant-gate.ts): it sets the tenant, then reads the status with the
-- registry's own row-level policy, and calls tenantry.refuse_tenant only when the tenant may not
-- work (or the isolation level is not READ COMMITTED), which raises. The guarantee is the
-- same: no statement of a suspended, offboarding (outside its purge), deleted or unknown
-- tenant runs.
--
-- Instead of a lock every tenant statement holds shared, lifecycle transitions commit the new
-- status and then wait until every app-role transaction that began before that commit has
-- ended (tenantry.await_app_transactions), the way CREATE INDEX CONCURRENTLY waits for old
-- snapshots: a transaction that begins later passes its gate under the new status.

-- Raises TN404 (unknown or deleted), TN403 (suspended), TN503 (not active) or TN422 (a
-- transaction at REPEATABLE READ or SERIALIZABLE: docs/isolation-rules.md rule 26, migration
-- 0010); returns true when the tenant may work after all (an offboarding tenant for the purge).
-- Only called off the hot path: the gate answers an active tenant at READ COMMITTED itself.
CREATE FUNCTION tenantry.refuse_tenant(p_status text, p_purpose text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY INVOKER AS $$
BEGIN
  IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'tenant transactions run at READ COMMITTED' USING ERRCODE = 'TN422';
  END IF;
  IF p_status = 'active' OR (p_purpose = 'offboarding' AND p_status = 'offboarding') THEN
    RETURN true;
  END IF;
  IF p_status IS NULL OR p_status = 'deleted' THEN
    RAISE EXCEPTION 'tenant not found' USING ERRCODE = 'TN404';
  ELSIF p_status = 'suspended' THEN
    RAISE EXCEPTION 'tenant suspended' USING ERRCODE = 'TN403';
  ELSE
    RAISE EXCEPTION 'tenant not active' USING ERRCODE = 'TN503';
  END IF;
END $$;
REVOKE ALL ON FUNCTION tenantry.refuse_tenant(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantry.refuse_tenant(text, text) TO {{app}};

-- Waits until every transaction of the app role in this database that had begun when it was
-- called has ended, or raises TN504 after p_timeout_ms. Called right after a lifecycle
-- transition committed (and before a purge): any app transaction that began after the commit
-- reads the new status, so once this returns no statement admitted under the old status is
-- still running. Each transaction holds a lock on its own virtual transaction id from its first
-- statement to its end (pg_locks shows it to every role), so the set of transactions to wait
-- for is read once, and then polled until none of them is left; a new transaction has a new
-- id and is not waited for. It waits sleeping (wait event PgSleep), not on a lock.
CREATE FUNCTION tenantry.await_app_transactions(p_timeout_ms integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog AS $$
DECLARE
  v_waiting text[];
  v_deadline timestamptz := pg_catalog.clock_timestamp() + p_timeout_ms * interval '1 millisecond';
  v_pause double precision := 0.001;
BEGIN
  SELECT pg_catalog.array_agg(l.virtualxid) INTO v_waiting
    FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'virtualxid' AND l.granted AND l.pid <> pg_catalog.pg_backend_pid()
     AND a.usesysid = {{app:literal}}::regrole AND a.datname = pg_catalog.current_database();
  WHILE v_waiting IS NOT NULL LOOP
    SELECT pg_catalog.array_agg(l.virtualxid) INTO v_waiting
      FROM pg_catalog.pg_locks l
     WHERE l.locktype = 'virtualxid' AND l.granted AND l.virtualxid = ANY (v_waiting);
    EXIT WHEN v_waiting IS NULL;
    IF pg_catalog.clock_timestamp() > v_deadline THEN
      RAISE EXCEPTION 'app transactions still running' USING ERRCODE = 'TN504', DETAIL = pg_catalog.cardinality(v_waiting)::text;
    END IF;
    PERFORM pg_catalog.pg_sleep(v_pause);
    v_pause := least(v_pause * 2, 0.02);
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION tenantry.await_app_transactions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantry.await_app_transactions(integer) TO {{operator}};
