// The verifier against deliberately broken schemas: each misconfiguration of
// docs/isolation-rules.md is built for real in PostgreSQL, must be reported, and the correct
// schema must pass.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { isolateTable } from '../postgres/index.js';
import { storeCheck, type StoreFinding } from '../stores/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import type { FindingKind } from './findings.js';
import { verifyIsolation } from './verify-isolation.js';

let t: TestTenantry;
const TENANT = `(SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)`;
const table = (name: string, extra = '') => `CREATE TABLE ${name} (tenant_id uuid NOT NULL, id int NOT NULL, body text NOT NULL DEFAULT '', PRIMARY KEY (tenant_id, id)${extra})`;
const secured = (name: string) => `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${name} FORCE ROW LEVEL SECURITY; GRANT SELECT, INSERT, UPDATE, DELETE ON ${name} TO tenantry_app`;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  // A correct schema: a table, a child with a composite foreign key, and a partitioned table.
  await t.admin.query(`${table('notes')};
    CREATE TABLE comments (tenant_id uuid NOT NULL, id int NOT NULL, note_id int NOT NULL, PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, note_id) REFERENCES notes (tenant_id, id));
    CREATE TABLE events (tenant_id uuid NOT NULL, id int NOT NULL, at date NOT NULL, PRIMARY KEY (tenant_id, id, at)) PARTITION BY RANGE (at);
    CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
  for (const name of ['notes', 'comments', 'events']) await isolateTable(name, { admin: t.admin });
  const [a, b] = t.tenants;
  await t.admin.query(`INSERT INTO notes (tenant_id, id) VALUES ($1, 1), ($2, 1)`, [a?.id, b?.id]);
});
afterAll(() => t?.close());

describe('verifyIsolation', () => {
  it('passes the correct schema, with the dynamic probe, and sees every tenant table and partition', async () => {
    const report = await verifyIsolation({ admin: t.admin });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.probed).toBe(true);
    expect(report.tenantTables).toEqual(expect.arrayContaining(['public.notes', 'public.comments', 'public.events', 'public.events_2026']));
  });

  const fixtures: { kind: FindingKind; object: string; setup: string; teardown: string }[] = [
    { kind: 'rls_not_enabled', object: 'public.f_plain', setup: `${table('f_plain')}; GRANT SELECT ON f_plain TO tenantry_app`, teardown: 'DROP TABLE f_plain' },
    { kind: 'rls_not_forced', object: 'public.f_unforced', setup: `${table('f_unforced')}; ALTER TABLE f_unforced ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON f_unforced USING (tenant_id = ${TENANT}) WITH CHECK (tenant_id = ${TENANT})`, teardown: 'DROP TABLE f_unforced' },
    { kind: 'no_policy', object: 'public.f_nopolicy', setup: `${table('f_nopolicy')}; ${secured('f_nopolicy')}`, teardown: 'DROP TABLE f_nopolicy' },
    { kind: 'policy_fail_open', object: 'public.f_open policy p', setup: `${table('f_open')}; ${secured('f_open')}; CREATE POLICY p ON f_open USING (tenant_id = ${TENANT} OR current_setting('app.tenant_id', true) IS NULL) WITH CHECK (tenant_id = ${TENANT})`, teardown: 'DROP TABLE f_open' },
    // Found in review: everything visible with no tenant set, which a regular expression passed.
    { kind: 'policy_fail_open', object: 'public.f_coalesce policy p', setup: `${table('f_coalesce')}; ${secured('f_coalesce')}; CREATE POLICY p ON f_coalesce USING (tenant_id = COALESCE(${TENANT}, tenant_id)) WITH CHECK (tenant_id = ${TENANT})`, teardown: 'DROP TABLE f_coalesce' },
    // Found in review: an exclusion constraint is a uniqueness oracle across tenants, like a unique key.
    { kind: 'key_not_tenant_led', object: 'public.f_exclusion', setup: `${table('f_exclusion')}; ALTER TABLE f_exclusion ADD CONSTRAINT one_body EXCLUDE USING btree (body WITH =)`, teardown: 'DROP TABLE f_exclusion' },
    { kind: 'policy_without_check', object: 'public.f_nocheck policy p', setup: `${table('f_nocheck')}; ${secured('f_nocheck')}; CREATE POLICY p ON f_nocheck FOR ALL USING (tenant_id = ${TENANT})`, teardown: 'DROP TABLE f_nocheck' },
    { kind: 'policy_not_tenant_scoped', object: 'public.f_unscoped policy p', setup: `${table('f_unscoped')}; ${secured('f_unscoped')}; CREATE POLICY p ON f_unscoped USING (id > 0) WITH CHECK (id > 0)`, teardown: 'DROP TABLE f_unscoped' },
    { kind: 'policy_command_gap', object: 'public.f_gap', setup: `${table('f_gap')}; ${secured('f_gap')}; CREATE POLICY p ON f_gap FOR SELECT USING (tenant_id = ${TENANT})`, teardown: 'DROP TABLE f_gap' },
    {
      kind: 'immutable_policy_function',
      object: 'public.f_immutable policy p',
      setup: `CREATE FUNCTION f_tenant() RETURNS uuid IMMUTABLE LANGUAGE sql AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
        ${table('f_immutable')}; ${secured('f_immutable')}; CREATE POLICY p ON f_immutable USING (tenant_id = f_tenant()) WITH CHECK (tenant_id = f_tenant())`,
      teardown: 'DROP TABLE f_immutable; DROP FUNCTION f_tenant()',
    },
    { kind: 'key_not_tenant_led', object: 'public.f_globalkey', setup: `CREATE TABLE f_globalkey (tenant_id uuid NOT NULL, id int PRIMARY KEY, email text UNIQUE)`, teardown: 'DROP TABLE f_globalkey' },
    { kind: 'no_tenant_index', object: 'public.f_noindex', setup: `CREATE TABLE f_noindex (tenant_id uuid NOT NULL, id int NOT NULL)`, teardown: 'DROP TABLE f_noindex' },
    {
      kind: 'foreign_key_not_composite',
      object: 'public.f_child',
      setup: `CREATE TABLE f_parent (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (id));
        CREATE TABLE f_child (tenant_id uuid NOT NULL, id int NOT NULL, parent_id int NOT NULL REFERENCES f_parent (id), PRIMARY KEY (tenant_id, id))`,
      teardown: 'DROP TABLE f_child, f_parent',
    },
    { kind: 'global_sequence', object: 'public.f_serial', setup: `CREATE TABLE f_serial (tenant_id uuid NOT NULL, id serial NOT NULL, PRIMARY KEY (tenant_id, id))`, teardown: 'DROP TABLE f_serial' },
    { kind: 'app_role_excess_privilege', object: 'public.notes', setup: 'GRANT TRUNCATE ON notes TO tenantry_app', teardown: 'REVOKE TRUNCATE ON notes FROM tenantry_app' },
    { kind: 'app_role_can_create', object: 'public', setup: 'GRANT CREATE ON SCHEMA public TO tenantry_app', teardown: 'REVOKE CREATE ON SCHEMA public FROM tenantry_app' },
    // A session-level tenant every app-role login starts with (here for this database only:
    // roles are cluster-wide, and other test files run at the same time).
    {
      kind: 'tenant_setting_default',
      object: 'tenantry_app',
      setup: `DO $$ BEGIN EXECUTE format('ALTER ROLE tenantry_app IN DATABASE %I SET app.tenant_id = %L', current_database(), gen_random_uuid()); END $$`,
      teardown: `DO $$ BEGIN EXECUTE format('ALTER ROLE tenantry_app IN DATABASE %I RESET app.tenant_id', current_database()); END $$`,
    },
    { kind: 'app_role_owns_table', object: 'public.f_owned', setup: `${table('f_owned')}; ALTER TABLE f_owned OWNER TO tenantry_app`, teardown: 'DROP TABLE f_owned' },
    { kind: 'definer_view', object: 'public.f_view', setup: 'CREATE VIEW f_view AS SELECT * FROM notes; GRANT SELECT ON f_view TO tenantry_app', teardown: 'DROP VIEW f_view' },
    { kind: 'materialized_view', object: 'public.f_matview', setup: 'CREATE MATERIALIZED VIEW f_matview AS SELECT * FROM notes; GRANT SELECT ON f_matview TO tenantry_app', teardown: 'DROP MATERIALIZED VIEW f_matview' },
    { kind: 'definer_function', object: 'f_definer()', setup: 'CREATE FUNCTION f_definer() RETURNS bigint SECURITY DEFINER LANGUAGE sql AS $$ SELECT count(*) FROM notes $$', teardown: 'DROP FUNCTION f_definer()' },
    {
      kind: 'probe_read_without_tenant',
      object: 'public.f_leaky',
      setup: `${table('f_leaky')}; ${secured('f_leaky')}; CREATE POLICY p ON f_leaky USING (tenant_id = ${TENANT} OR ${TENANT} IS NULL) WITH CHECK (tenant_id = ${TENANT});
        INSERT INTO f_leaky (tenant_id, id) VALUES (gen_random_uuid(), 1)`,
      teardown: 'DROP TABLE f_leaky',
    },
    { kind: 'probe_cross_tenant_read', object: 'public.f_readable', setup: `${table('f_readable')}; GRANT SELECT, INSERT, UPDATE ON f_readable TO tenantry_app; INSERT INTO f_readable (tenant_id, id) VALUES (gen_random_uuid(), 1)`, teardown: 'DROP TABLE f_readable' },
    { kind: 'probe_cross_tenant_write', object: 'public.f_writable', setup: `${table('f_writable')}; ${secured('f_writable')}; CREATE POLICY p ON f_writable USING (tenant_id = ${TENANT}) WITH CHECK (true)`, teardown: 'DROP TABLE f_writable' },
  ];

  it.each(fixtures)('reports $kind for $object, and nothing once it is repaired', async ({ kind, object, setup, teardown }) => {
    await t.admin.query(setup);
    try {
      const report = await verifyIsolation({ admin: t.admin });
      expect(report.ok).toBe(false);
      expect(report.findings).toContainEqual(expect.objectContaining({ kind, object }));
    } finally {
      await t.admin.query(teardown);
    }
    expect((await verifyIsolation({ admin: t.admin, probe: 'skip' })).findings).toEqual([]);
  });

  it('reports an app role that is a superuser or bypasses row-level security', async () => {
    const role = `verify_app_${randomBytes(4).toString('hex')}`;
    await t.admin.query(`CREATE ROLE ${role} SUPERUSER BYPASSRLS`);
    try {
      const report = await verifyIsolation({ admin: t.admin, appRole: role, probe: 'skip' });
      expect(report.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['app_role_superuser', 'app_role_bypassrls']));
    } finally {
      await t.admin.query(`DROP ROLE ${role}`);
    }
  });

  it('reports an app role without timeouts, or one that can create roles or inherits another role', async () => {
    const role = `verify_app_${randomBytes(4).toString('hex')}`;
    await t.admin.query(`CREATE ROLE ${role} CREATEROLE IN ROLE tenantry_owner`);
    try {
      const report = await verifyIsolation({ admin: t.admin, appRole: role, probe: 'skip' });
      expect(report.findings).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'app_role_no_timeouts', object: role }),
        expect.objectContaining({ kind: 'app_role_privileged', object: role, detail: 'member of tenantry_owner' }),
      ]));
    } finally {
      await t.admin.query(`DROP ROLE ${role}`);
    }
  });

  it('runs the application\'s tenant stores\' checks too, and reports what they find as store_isolation', async () => {
    // The adapters' own checks are tested with each adapter (packages/tenantry/src/stores); here
    // only how the verifier takes them in.
    let found: StoreFinding[] = [];
    const store = { verify: () => Promise.resolve(storeCheck('lancedb', found)) };
    expect((await verifyIsolation({ admin: t.admin, probe: 'skip', stores: [store] })).ok).toBe(true);
    found = [{ kind: 'unscoped_table', object: 'tenant_everyone' }];
    const report = await verifyIsolation({ admin: t.admin, probe: 'skip', stores: [store] });
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([{ kind: 'store_isolation', object: 'lancedb: tenant_everyone', detail: 'unscoped_table' }]);
  });

  it('accepts an allowlisted SECURITY DEFINER function', async () => {
    await t.admin.query('CREATE FUNCTION f_allowed() RETURNS int SECURITY DEFINER LANGUAGE sql AS $$ SELECT 1 $$');
    try {
      expect((await verifyIsolation({ admin: t.admin, probe: 'skip' })).ok).toBe(false);
      expect((await verifyIsolation({ admin: t.admin, probe: 'skip', allowedDefinerFunctions: ['f_allowed()'] })).ok).toBe(true);
    } finally {
      await t.admin.query('DROP FUNCTION f_allowed()');
    }
  });

  it('says which role is unknown', async () => {
    await expect(verifyIsolation({ admin: t.admin, appRole: 'no_such_role_here' })).rejects.toMatchObject({ code: 'VERIFY_ROLE_UNKNOWN' });
  });

  it('refuses to audit a role with no grant on any tenant table instead of reporting no findings for it', async () => {
    const role = `not_the_app_${randomBytes(4).toString('hex')}`;
    await t.admin.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await expect(verifyIsolation({ admin: t.admin, appRole: role, probe: 'skip' })).rejects.toMatchObject({ code: 'VERIFY_ROLE_UNUSED', details: { role } });
    } finally {
      await t.admin.query(`DROP ROLE ${role}`);
    }
  });
});
