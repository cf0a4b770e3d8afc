-- Hierarchical tenants (tenantry/identity, docs/hierarchy.md): a tenant's sub-units (organisation
-- → region → property …, any depth), the members granted at one of them, and the node scope that
-- PostgreSQL enforces. A transaction entered at a node (`app.node_id`, set only by the library,
-- transaction-local) sees that node and its descendants, and nothing above or beside it.
--
-- Why a materialized path: the scope check of a row is `path @> ARRAY[scope]`, a per-row array
-- test with no subquery, so the node table's own policy cannot recurse, and the data tables'
-- policy is one hashed subplan over the visible nodes per statement (bench/hierarchy). Node ids
-- are UUIDs, unique across tenants, so a path names its nodes unambiguously.

CREATE TABLE tenantry.tenant_nodes (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  id uuid NOT NULL,
  -- NULL: a top-level unit of the tenant. A node never moves (no UPDATE of parent_id or path is
  -- granted), so a path, once set, stays true.
  parent_id uuid,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Overrides at this node; a node's effective settings and flags are its ancestors' merged
  -- from the top down, each node's own last.
  settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  flags jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(flags) = 'object'),
  -- The ids from the top-level ancestor down to this node itself (set by the trigger below).
  path uuid[] NOT NULL CHECK (cardinality(path) BETWEEN 1 AND 64),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  -- NO ACTION: a node with children is not removed (the purge deletes a whole tenant in one
  -- statement, which this allows).
  FOREIGN KEY (tenant_id, parent_id) REFERENCES tenantry.tenant_nodes (tenant_id, id)
);
CREATE INDEX tenant_nodes_parent ON tenantry.tenant_nodes (tenant_id, parent_id);
-- The subtree of a node: `path @> ARRAY[node]`.
CREATE INDEX tenant_nodes_path ON tenantry.tenant_nodes USING gin (path);

-- The path of a new node: its parent's (read through the row-level policies, so a parent the
-- inserting transaction cannot see is no parent: the insert fails) plus itself.
CREATE FUNCTION tenantry.tenant_node_path() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  parent_path uuid[];
BEGIN
  IF NEW.parent_id IS NULL THEN
    NEW.path := ARRAY[NEW.id];
    RETURN NEW;
  END IF;
  SELECT n.path INTO parent_path FROM tenantry.tenant_nodes n WHERE n.tenant_id = NEW.tenant_id AND n.id = NEW.parent_id;
  IF parent_path IS NULL THEN
    RAISE EXCEPTION 'parent node % is not visible', NEW.parent_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.path := parent_path || NEW.id;
  RETURN NEW;
END $$;
CREATE TRIGGER tenant_node_path BEFORE INSERT ON tenantry.tenant_nodes FOR EACH ROW EXECUTE FUNCTION tenantry.tenant_node_path();
REVOKE ALL ON FUNCTION tenantry.tenant_node_path() FROM PUBLIC;

-- A member granted at a node: their transactions are entered at it. No row: the whole tenant.
-- NO ACTION on the node: a node with grants is not removed, because a grant that vanished would
-- widen its member to the whole tenant (fail open).
CREATE TABLE tenantry.tenant_node_grants (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  user_id text NOT NULL,
  node_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES tenantry.members (tenant_id, user_id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, node_id) REFERENCES tenantry.tenant_nodes (tenant_id, id)
);
CREATE INDEX tenant_node_grants_node ON tenantry.tenant_node_grants (tenant_id, node_id);

-- Per-node usage counters (quota roll-up): a parent's usage is the sum over its subtree.
CREATE TABLE tenantry.tenant_node_usage (
  tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
  node_id uuid NOT NULL,
  metric text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]{0,63}$'),
  quantity bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, node_id, metric),
  FOREIGN KEY (tenant_id, node_id) REFERENCES tenantry.tenant_nodes (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tenant_nodes', 'tenant_node_grants', 'tenant_node_usage'] LOOP
    EXECUTE format('ALTER TABLE tenantry.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE tenantry.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenantry_isolation ON tenantry.%I AS PERMISSIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('REVOKE ALL ON tenantry.%I FROM PUBLIC', t);
  END LOOP;
END $$;

-- The node scope, RESTRICTIVE (it narrows the tenant policy, never widens it). Without a scope
-- (`app.node_id` unset or '') the whole tenant; with one, only its subtree — for reading and for
-- writing (a scoped transaction cannot make a node outside its subtree, nor a top-level one).
CREATE POLICY tenantry_node_scope ON tenantry.tenant_nodes AS RESTRICTIVE FOR ALL TO PUBLIC
  USING ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL
         OR path @> ARRAY[(SELECT nullif(current_setting('app.node_id', true), '')::uuid)])
  WITH CHECK ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL
         OR path @> ARRAY[(SELECT nullif(current_setting('app.node_id', true), '')::uuid)]);
-- Grants and usage of nodes in scope only: a scoped member sees no grant above or beside it.
CREATE POLICY tenantry_node_scope ON tenantry.tenant_node_grants AS RESTRICTIVE FOR ALL TO PUBLIC
  USING ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL OR node_id IN (SELECT n.id FROM tenantry.tenant_nodes n))
  WITH CHECK ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL OR node_id IN (SELECT n.id FROM tenantry.tenant_nodes n));
CREATE POLICY tenantry_node_scope ON tenantry.tenant_node_usage AS RESTRICTIVE FOR ALL TO PUBLIC
  USING ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL OR node_id IN (SELECT n.id FROM tenantry.tenant_nodes n))
  WITH CHECK ((SELECT nullif(current_setting('app.node_id', true), '')::uuid) IS NULL OR node_id IN (SELECT n.id FROM tenantry.tenant_nodes n));

-- Nodes are created and removed, renamed and given settings; never moved.
GRANT SELECT, DELETE ON tenantry.tenant_nodes TO {{app}};
GRANT INSERT (tenant_id, id, parent_id, name, settings, flags, created_at) ON tenantry.tenant_nodes TO {{app}};
GRANT UPDATE (name, settings, flags) ON tenantry.tenant_nodes TO {{app}};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenantry.tenant_node_grants, tenantry.tenant_node_usage TO {{app}};
INSERT INTO tenantry.isolated_tables (schema_name, table_name) VALUES
  ('tenantry', 'tenant_nodes'), ('tenantry', 'tenant_node_grants'), ('tenantry', 'tenant_node_usage');
