-- tenantry:run-as admin
-- Defence in depth behind the SQL guard: built-ins that run SQL passed as text (the *_to_xml
-- family, ts_stat, ts_rewrite) would let the app role set another tenant's id from inside a
-- SELECT, and pg_terminate_backend/pg_cancel_backend would let one tenant's request end the
-- sessions of all the others (they share the app role). PUBLIC loses them in this database;
-- the owner and operator keep them. Revoking from PUBLIC needs a superuser: without one the
-- migration says so and the SQL guard remains the only barrier.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT p.oid::regprocedure::text AS sig
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
       AND p.proname IN ('query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema',
                         'cursor_to_xml', 'cursor_to_xmlschema',
                         'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema',
                         'schema_to_xml', 'schema_to_xmlschema', 'schema_to_xml_and_xmlschema',
                         'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
                         'ts_stat', 'ts_rewrite', 'pg_terminate_backend', 'pg_cancel_backend')
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', r.sig);
      EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM %I', r.sig, {{app:literal}});
      EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I, %I', r.sig, {{owner:literal}}, {{operator:literal}});
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'tenantry: cannot revoke % from PUBLIC without a superuser; the SQL guard still refuses it', r.sig;
    END;
  END LOOP;
END $$;
