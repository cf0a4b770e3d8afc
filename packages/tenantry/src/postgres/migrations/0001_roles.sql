-- tenantry:run-as admin
-- The three roles of ARCHITECTURE.md. Roles are cluster-wide, so creating one that already
-- exists (another database of the same cluster, or a concurrent migrator) is not an error;
-- their attributes are re-asserted every time so a hand-edited role is put right.
DO $$ BEGIN CREATE ROLE {{owner}} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE {{app}} LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE {{operator}} LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

-- The app role serves requests: it must never bypass row-level security or create anything.
-- Each role row is changed only when it differs: other databases of the cluster migrate too,
-- and two writers of one role row fail instead of waiting (the runner retries that race).
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {{app:literal}}
             AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole OR rolreplication OR NOT rolcanlogin)) THEN
    ALTER ROLE {{app}} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION LOGIN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {{operator:literal}}
             AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole OR rolreplication OR NOT rolcanlogin)) THEN
    ALTER ROLE {{operator}} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION LOGIN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {{owner:literal}}
             AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole OR rolreplication)) THEN
    ALTER ROLE {{owner}} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END $$;

-- One tenant must not hold locks or connections for long (ISOLATION.md rule 14). These are the
-- ceilings; plans tighten them per transaction.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
                  WHERE r.rolname = {{app:literal}} AND s.setdatabase = 0
                    AND s.setconfig @> ARRAY['statement_timeout=30s', 'lock_timeout=5s', 'idle_in_transaction_session_timeout=60s']) THEN
    ALTER ROLE {{app}} SET statement_timeout = '30s';
    ALTER ROLE {{app}} SET lock_timeout = '5s';
    ALTER ROLE {{app}} SET idle_in_transaction_session_timeout = '60s';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
                  WHERE r.rolname = {{operator:literal}} AND s.setdatabase = 0
                    AND s.setconfig @> ARRAY['idle_in_transaction_session_timeout=300s']) THEN
    ALTER ROLE {{operator}} SET idle_in_transaction_session_timeout = '300s';
  END IF;
END $$;

-- The migrator must be able to act as the owner (a superuser already can).
DO $$ BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
     AND NOT pg_catalog.pg_has_role(current_user, {{owner:literal}}, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', {{owner:literal}}, current_user);
  END IF;
END $$;

GRANT CONNECT ON DATABASE {{database}} TO {{app}}, {{operator}};
-- A temporary table outlives the transaction and stays on the pooled connection, where the
-- next tenant's request would find it: the app role may not create one.
REVOKE TEMPORARY ON DATABASE {{database}} FROM PUBLIC, {{app}};
GRANT TEMPORARY ON DATABASE {{database}} TO {{owner}}, {{operator}};
-- Before PostgreSQL 15 every role could create objects in public; the app role must not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {{app}}, {{operator}};
GRANT USAGE, CREATE ON SCHEMA public TO {{owner}};

ALTER SCHEMA tenantry OWNER TO {{owner}};
ALTER TABLE tenantry.schema_migrations OWNER TO {{owner}};
GRANT USAGE ON SCHEMA tenantry TO {{app}}, {{operator}};
