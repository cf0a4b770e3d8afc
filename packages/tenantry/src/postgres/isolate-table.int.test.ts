// isolateTable against a real PostgreSQL: it refuses tables it cannot isolate safely (changing
// nothing), and otherwise leaves ENABLE+FORCE, one tenant policy, a tenant_id default and DML-only
// grants on the table and on every partition — idempotently.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { isolateTable } from './isolate-table.js';
import { DEFAULT_ROLE_NAMES } from './roles.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const app = DEFAULT_ROLE_NAMES.app;

const describeError = (e: unknown) => (e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ''}: ${e.message}` : JSON.stringify(e));
const ddl = (sql: string) => t.admin.query(sql);

/** What isolateTable may change on a table, read from the catalog as the admin. */
async function state(table: string) {
  const { rows } = await t.admin.query<{ rls: boolean; force: boolean; defaultExpr: string | null; acl: string | null }>(
    `SELECT c.relrowsecurity AS rls, c.relforcerowsecurity AS force, c.relacl::text AS acl,
            (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
              WHERE d.adrelid = c.oid AND a.attname = 'tenant_id') AS "defaultExpr"
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [table],
  );
  const { rows: policies } = await t.admin.query<{ name: string; cmd: string; permissive: boolean; roles: string; using: string | null; check: string | null }>(
    `SELECT polname AS name, polcmd::text AS cmd, polpermissive AS permissive, polroles::text AS roles,
            pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
       FROM pg_policy WHERE polrelid = to_regclass($1) ORDER BY polname`,
    [table],
  );
  const { rows: registered } = await t.admin.query(
    `SELECT isolated_at FROM tenantry.isolated_tables i JOIN pg_class c ON c.relname = i.table_name
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schema_name WHERE c.oid = to_regclass($1)`,
    [table],
  );
  return { ...rows[0], policies, registered };
}

async function privileges(table: string) {
  const names = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
  const { rows } = await t.admin.query<{ privilege: string; held: boolean }>(
    `SELECT p AS privilege, has_table_privilege($1, $2::regclass, p) AS held FROM unnest($3::text[]) AS p`,
    [app, table, names],
  );
  return Object.fromEntries(rows.map((r) => [r.privilege, r.held]));
}

/** Expects isolateTable(table) to fail with `code` and to have changed nothing at all. */
async function expectRefused(table: string, code: string) {
  const before = await state(table);
  const err = await errorOf(isolateTable(table, { admin: t.admin }));
  expect(isTenantryError(err, code), describeError(err)).toBe(true);
  expect(await state(table)).toEqual(before);
  return err as { details: Record<string, unknown> };
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
});
afterAll(() => t?.close());

describe('isolateTable refuses', () => {
  it('a table that does not exist, with TABLE_NOT_FOUND', async () => {
    for (const name of ['no_such_table', 'public.no_such_table', 'no_schema.no_table']) {
      const err = await errorOf(isolateTable(name, { admin: t.admin }));
      expect(isTenantryError(err, 'TABLE_NOT_FOUND'), name).toBe(true);
    }
  });

  it('a view, with TABLE_NOT_FOUND', async () => {
    await ddl(`CREATE TABLE view_base (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await ddl(`CREATE VIEW a_view AS SELECT * FROM view_base`);
    await expectRefused('a_view', 'TABLE_NOT_FOUND');
  });

  it('a table without tenant_id, with TABLE_NOT_TENANT_SCOPED', async () => {
    await ddl(`CREATE TABLE no_tenant (id int PRIMARY KEY, body text)`);
    await expectRefused('no_tenant', 'TABLE_NOT_TENANT_SCOPED');
  });

  it('a table whose tenant_id is not a uuid, with TABLE_NOT_TENANT_SCOPED', async () => {
    await ddl(`CREATE TABLE text_tenant (tenant_id text NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    const err = await expectRefused('text_tenant', 'TABLE_NOT_TENANT_SCOPED');
    expect(err.details).toMatchObject({ tenantIdType: 'text' });
  });

  it('a table whose primary key does not lead with tenant_id, with TABLE_KEY_NOT_TENANT_LED', async () => {
    await ddl(`CREATE TABLE id_led (tenant_id uuid NOT NULL, id int PRIMARY KEY)`);
    await ddl(`CREATE INDEX id_led_tenant ON id_led (tenant_id)`);
    await expectRefused('id_led', 'TABLE_KEY_NOT_TENANT_LED');
    await ddl(`CREATE TABLE id_first (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (id, tenant_id))`);
    await expectRefused('id_first', 'TABLE_KEY_NOT_TENANT_LED');
  });

  // Found in review: an exclusion constraint checks across tenants like a unique key, so tenant
  // B could learn that tenant A holds a value; it must lead with tenant_id too.
  it('a table with an exclusion constraint that does not lead with tenant_id, with TABLE_KEY_NOT_TENANT_LED', async () => {
    await ddl(`CREATE TABLE booked (tenant_id uuid NOT NULL, id int NOT NULL, room text NOT NULL, PRIMARY KEY (tenant_id, id), EXCLUDE USING btree (room WITH =))`);
    await expectRefused('booked', 'TABLE_KEY_NOT_TENANT_LED');
  });

  it('a table with no primary key, with TABLE_KEY_NOT_TENANT_LED', async () => {
    await ddl(`CREATE TABLE keyless (tenant_id uuid NOT NULL, id int NOT NULL)`);
    await ddl(`CREATE INDEX keyless_tenant ON keyless (tenant_id, id)`);
    await expectRefused('keyless', 'TABLE_KEY_NOT_TENANT_LED');
  });

  it('a table with a global unique constraint or unique index, with TABLE_KEY_NOT_TENANT_LED', async () => {
    await ddl(`CREATE TABLE global_email (tenant_id uuid NOT NULL, id int NOT NULL, email text UNIQUE, PRIMARY KEY (tenant_id, id))`);
    const err = await expectRefused('global_email', 'TABLE_KEY_NOT_TENANT_LED');
    expect(JSON.stringify(err.details)).toContain('global_email_email_key');
    await ddl(`CREATE TABLE trailing_tenant (tenant_id uuid NOT NULL, id int NOT NULL, email text, PRIMARY KEY (tenant_id, id), UNIQUE (email, tenant_id))`);
    await expectRefused('trailing_tenant', 'TABLE_KEY_NOT_TENANT_LED');
    await ddl(`CREATE TABLE unique_index (tenant_id uuid NOT NULL, id int NOT NULL, code text, PRIMARY KEY (tenant_id, id))`);
    await ddl(`CREATE UNIQUE INDEX unique_index_code ON unique_index (code)`);
    await expectRefused('unique_index', 'TABLE_KEY_NOT_TENANT_LED');
  });

  it('a table with a permissive policy it did not write, with TABLE_POLICY_CONFLICT', async () => {
    await ddl(`CREATE TABLE foreign_policy (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await ddl(`CREATE POLICY everyone ON foreign_policy USING (true)`);
    const err = await expectRefused('foreign_policy', 'TABLE_POLICY_CONFLICT');
    expect(err.details).toMatchObject({ policies: ['everyone'] });
  });

  it('a partitioned table when one partition fails the checks, and leaves the parent and the other partitions unchanged', async () => {
    await ddl(`CREATE TABLE part_bad (tenant_id uuid NOT NULL, id int NOT NULL, code text, PRIMARY KEY (tenant_id, id)) PARTITION BY HASH (tenant_id)`);
    await ddl(`CREATE TABLE part_bad_0 PARTITION OF part_bad FOR VALUES WITH (MODULUS 2, REMAINDER 0)`);
    await ddl(`CREATE TABLE part_bad_1 PARTITION OF part_bad FOR VALUES WITH (MODULUS 2, REMAINDER 1)`);
    await ddl(`CREATE UNIQUE INDEX part_bad_1_code ON part_bad_1 (code)`);
    const before = await Promise.all(['part_bad', 'part_bad_0', 'part_bad_1'].map(state));
    await expectRefused('part_bad', 'TABLE_KEY_NOT_TENANT_LED');
    expect(await Promise.all(['part_bad', 'part_bad_0', 'part_bad_1'].map(state))).toEqual(before);
  });
});

describe('isolateTable on a well-formed table', () => {
  beforeAll(async () => {
    await ddl(`CREATE TABLE notes (tenant_id uuid NOT NULL, id int NOT NULL, body text, PRIMARY KEY (tenant_id, id))`);
    // Left-over grants that must not survive isolation.
    await ddl(`GRANT ALL ON notes TO ${app}`);
    await ddl(`GRANT TRUNCATE ON notes TO PUBLIC`);
  });

  it('reports a change the first time', async () => {
    expect(await isolateTable('notes', { admin: t.admin })).toMatchObject({ tables: ['public.notes'], changed: true });
  });

  it('enables and forces row-level security with one FOR ALL policy whose WITH CHECK equals its USING', async () => {
    const s = await state('notes');
    expect([s.rls, s.force]).toEqual([true, true]);
    expect(s.policies).toHaveLength(1);
    const [policy] = s.policies;
    expect(policy).toMatchObject({ cmd: '*', permissive: true, roles: '{0}' });
    // docs/isolation-rules.md rule 3, as PostgreSQL prints it back: nothing more (no fail-open
    // disjunct).
    expect(policy?.using).toMatch(/^\(tenant_id = \( SELECT \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid AS "?nullif"?\)\)$/);
    expect(policy?.check).toBe(policy?.using);
    expect(s.registered).toHaveLength(1);
  });

  it("defaults tenant_id to the tenant in force, so inserts need not name it", async () => {
    expect((await state('notes')).defaultExpr).toContain("current_setting('app.tenant_id'");
    await t.db.withTenant(a, (s) => s.query(`INSERT INTO notes (id, body) VALUES (1, 'a1')`));
    await t.db.withTenant(b, (s) => s.query(`INSERT INTO notes (id, body) VALUES (1, 'b1')`));
    const { rows } = await t.admin.query<{ tenant_id: string; body: string }>('SELECT tenant_id, body FROM notes ORDER BY body');
    expect(rows).toEqual([{ tenant_id: a, body: 'a1' }, { tenant_id: b, body: 'b1' }]);
    const seenByA = await t.db.withTenant(a, (s) => s.query<{ body: string }>('SELECT body FROM notes'));
    expect(seenByA.rows).toEqual([{ body: 'a1' }]);
  });

  it('grants the app role DML only, taking TRUNCATE, REFERENCES and TRIGGER back', async () => {
    expect(await privileges('notes')).toEqual({
      SELECT: true, INSERT: true, UPDATE: true, DELETE: true, TRUNCATE: false, REFERENCES: false, TRIGGER: false,
    });
  });

  it('changes nothing when run again, and says so', async () => {
    const before = await state('notes');
    expect(await isolateTable('notes', { admin: t.admin })).toEqual({ tables: ['public.notes'], changed: false, statements: [] });
    expect(await state('notes')).toEqual(before);
  });

  it('accepts a RESTRICTIVE policy of the application beside its own', async () => {
    await ddl(`CREATE TABLE restricted (tenant_id uuid NOT NULL, id int NOT NULL, hidden boolean NOT NULL DEFAULT false, PRIMARY KEY (tenant_id, id))`);
    await ddl(`CREATE POLICY not_hidden ON restricted AS RESTRICTIVE USING (NOT hidden)`);
    await isolateTable('restricted', { admin: t.admin });
    expect((await state('restricted')).policies.map((p) => p.name)).toEqual(['not_hidden', 'tenantry_isolation']);
  });

  // Bug: the grant check uses has_table_privilege(role, t, 'SELECT,INSERT,UPDATE,DELETE'), which is
  // true when ANY one is held, so a table the app could already SELECT never gets INSERT/UPDATE/DELETE.
  it('grants the full DML set even when the app role already held part of it', async () => {
    await ddl(`CREATE TABLE read_only_before (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await ddl(`GRANT SELECT ON read_only_before TO ${app}`);
    await isolateTable('read_only_before', { admin: t.admin });
    expect(await privileges('read_only_before')).toMatchObject({ SELECT: true, INSERT: true, UPDATE: true, DELETE: true });
  });

  // Bug: isolateTable trusts any policy named tenantry_isolation without reading its expression,
  // so a hand-written USING (true) policy of that name is accepted and tenants see each other.
  it('does not accept a fail-open policy that merely carries its policy name', async () => {
    await ddl(`CREATE TABLE impostor (tenant_id uuid NOT NULL, id int NOT NULL, body text, PRIMARY KEY (tenant_id, id))`);
    await ddl(`CREATE POLICY tenantry_isolation ON impostor USING (true) WITH CHECK (true)`);
    const err = await errorOf(isolateTable('impostor', { admin: t.admin }));
    if (err !== undefined) {
      expect(isTenantryError(err, 'TABLE_POLICY_CONFLICT'), describeError(err)).toBe(true);
      return;
    }
    // Accepted: then it must have made the policy the tenant predicate.
    await t.db.withTenant(b, (s) => s.query(`INSERT INTO impostor (id, body) VALUES (1, 'b-secret')`));
    const seenByA = await t.db.withTenant(a, (s) => s.query('SELECT body FROM impostor'));
    expect(seenByA.rows).toEqual([]);
  });
});

describe('isolateTable on a partitioned table', () => {
  const partitions = ['events_2024', 'events_2025', 'events_2025_a', 'events_2025_b'];

  beforeAll(async () => {
    await ddl(`CREATE TABLE events (tenant_id uuid NOT NULL, id int NOT NULL, day date NOT NULL, PRIMARY KEY (tenant_id, id, day)) PARTITION BY RANGE (day)`);
    await ddl(`CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`);
    await ddl(`CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY HASH (tenant_id)`);
    await ddl(`CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0)`);
    await ddl(`CREATE TABLE events_2025_b PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1)`);
  });

  it('isolates the parent and every partition, to any depth', async () => {
    const result = await isolateTable('events', { admin: t.admin });
    expect([...result.tables].sort()).toEqual(['public.events', ...partitions.map((p) => `public.${p}`)].sort());
    for (const table of ['events', ...partitions]) {
      const s = await state(table);
      expect({ table, rls: s.rls, force: s.force, policies: s.policies.map((p) => p.name) }).toEqual({
        table, rls: true, force: true, policies: ['tenantry_isolation'],
      });
    }
  });

  it('gives the app role nothing when it reads a partition directly outside a tenant', async () => {
    await t.db.withTenant(a, (s) => s.query(`INSERT INTO events (id, day) VALUES (1, '2024-06-01'), (2, '2025-06-01'), (3, '2025-07-01')`));
    await t.db.withTenant(b, (s) => s.query(`INSERT INTO events (id, day) VALUES (1, '2024-06-01'), (2, '2025-06-01')`));
    const total = await t.admin.query<{ n: string }>(`SELECT count(*) AS n FROM events_2024`);
    expect(total.rows[0]?.n).toBe('2');
    for (const partition of partitions) {
      expect((await t.app.query(`SELECT * FROM ${partition}`)).rows, partition).toEqual([]);
    }
  });

  it("lets a tenant see only its own rows through a partition", async () => {
    const seenByA = await t.db.withTenant(a, (s) => s.query<{ tenant_id: string }>(`SELECT tenant_id FROM events_2024`));
    expect(seenByA.rows).toEqual([{ tenant_id: a }]);
    const err = await errorOf(t.db.withTenant(a, (s) => s.query(`INSERT INTO events_2024 (tenant_id, id, day) VALUES ($1, 9, '2024-02-02')`, [b])));
    expect(isTenantryError(err, 'ISOLATION_VIOLATION')).toBe(true);
  });

  it('changes nothing when run again', async () => {
    const before = await Promise.all(['events', ...partitions].map(state));
    expect((await isolateTable('events', { admin: t.admin })).changed).toBe(false);
    expect(await Promise.all(['events', ...partitions].map(state))).toEqual(before);
  });
});

describe('isolateTable on an existing application\'s table', () => {
  it('refuses an option it does not know, naming it, instead of ignoring it', async () => {
    const err = await errorOf(isolateTable('notes', { admin: t.admin, column: 'company_id' } as never));
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'column' } });
  });

  it('grants the app role USAGE on the sequences of bigserial and identity columns, so the first insert works', async () => {
    // Regression: without the grant the insert failed as ISOLATION_VIOLATION, the real cause
    // (permission denied for sequence) hidden in `cause`.
    await ddl(`CREATE TABLE ads (tenant_id uuid NOT NULL, id bigserial, n int GENERATED ALWAYS AS IDENTITY, body text, PRIMARY KEY (tenant_id, id))`);
    const result = await isolateTable('ads', { admin: t.admin });
    expect(result.statements.filter((x) => x.startsWith('GRANT USAGE ON SEQUENCE')).sort()).toEqual([
      `GRANT USAGE ON SEQUENCE public.ads_id_seq TO "${app}"`,
      `GRANT USAGE ON SEQUENCE public.ads_n_seq TO "${app}"`,
    ]);
    const { rows } = await t.db.withTenant(a, (s) => s.query<{ id: string }>(`INSERT INTO ads (body) VALUES ('x') RETURNING id`));
    expect(rows).toHaveLength(1);
    // USAGE only: the app role cannot read or set the shared counter.
    const { rows: [grants] } = await t.admin.query<{ select: boolean; update: boolean }>(
      `SELECT has_sequence_privilege($1, 'public.ads_id_seq', 'SELECT') AS select, has_sequence_privilege($1, 'public.ads_id_seq', 'UPDATE') AS update`, [app]);
    expect(grants).toEqual({ select: false, update: false });
  });

  it('in plan mode returns the statements it would run and changes nothing; applying runs exactly those', async () => {
    await ddl(`CREATE TABLE campaigns (tenant_id uuid NOT NULL, id bigserial, name text, PRIMARY KEY (tenant_id, id))`);
    const before = await state('campaigns');
    const plan = await isolateTable('campaigns', { admin: t.admin, mode: 'plan' });
    expect(plan.changed).toBe(true);
    expect(plan.statements.length).toBeGreaterThanOrEqual(5);
    expect(await state('campaigns')).toEqual(before);
    expect(await privileges('campaigns')).toMatchObject({ SELECT: false });
    const applied = await isolateTable('campaigns', { admin: t.admin });
    expect(applied.statements).toEqual(plan.statements);
    expect((await isolateTable('campaigns', { admin: t.admin, mode: 'plan' })).statements).toEqual([]);
  });
});
