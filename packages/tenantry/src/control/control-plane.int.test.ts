// The control plane's tables as migration 0005 makes them: tenant data under the one isolation
// policy and purged with its tenant, registries and operator records out of the app role's
// reach, and the isolation verifier satisfied with all of it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { verifyIsolation } from '../verify/index.js';
import { createControlPlane, systemActor, type ControlPlane } from './index.js';

const TENANT_TABLES = ['allowed_origins', 'api_keys', 'custom_domains', 'invitations', 'members', 'roles', 'signing_secrets'];
const OPERATOR_TABLES = ['api_key_registry', 'impersonation_sessions', 'operator_tokens', 'operators', 'verified_domains'];

let t: TestTenantry;
let control: ControlPlane;
const owner = systemActor('test');

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
});
afterAll(() => t?.close());

describe('the tenant tables of the control plane', () => {
  it('each have ENABLE and FORCE row-level security and one permissive FOR ALL policy whose check equals its filter', async () => {
    const { rows } = await t.admin.query<{ table: string; enabled: boolean; forced: boolean; policies: string[]; cmd: string; same: boolean }>(
      `SELECT c.relname AS "table", c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              array_agg(p.polname::text) AS policies, min(p.polcmd::text) AS cmd,
              bool_and(p.polpermissive AND pg_get_expr(p.polqual, p.polrelid) = pg_get_expr(p.polwithcheck, p.polrelid)) AS same
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_policy p ON p.polrelid = c.oid
        WHERE n.nspname = 'tenantry' AND c.relname = ANY($1) GROUP BY 1, 2, 3 ORDER BY 1`,
      [TENANT_TABLES],
    );
    expect(rows).toEqual(TENANT_TABLES.map((table) => ({ table, enabled: true, forced: true, policies: ['tenantry_isolation'], cmd: '*', same: true })));
  });

  it('give the app role DML only and the operator role nothing, and are all registered for the purge', async () => {
    const { rows } = await t.admin.query<{ table: string; app: string[]; operator: string[] }>(
      `SELECT t AS "table",
              array(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p WHERE has_table_privilege('tenantry_app', 'tenantry.' || t, p)) AS app,
              array(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p WHERE has_table_privilege('tenantry_operator', 'tenantry.' || t, p)) AS operator
         FROM unnest($1::text[]) t ORDER BY 1`,
      [TENANT_TABLES],
    );
    for (const row of rows) expect(row, row.table).toEqual({ table: row.table, app: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], operator: [] });
    const { rows: registered } = await t.admin.query<{ table_name: string }>(`SELECT table_name FROM tenantry.isolated_tables WHERE schema_name = 'tenantry' AND table_name = ANY($1) ORDER BY 1`, [TENANT_TABLES]);
    expect(registered.map((r) => r.table_name)).toEqual(TENANT_TABLES);
  });
});

describe('the registries and operator tables', () => {
  it.each(OPERATOR_TABLES)('%s cannot be read or written by the app role at all', async (table) => {
    const denied = await t.app.query(`SELECT * FROM tenantry.${table}`).then(() => undefined, (e: unknown) => (e as { code?: string }).code);
    expect(denied).toBe('42501');
    const { rows: [privileges] } = await t.admin.query<{ any: boolean }>(
      `SELECT bool_or(has_table_privilege('tenantry_app', $1::regclass, p)) AS any FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE']) p`,
      [`tenantry.${table}`],
    );
    expect(privileges?.any).toBe(false);
  });
});

describe('the isolation verifier', () => {
  it('finds nothing wrong with the control-plane tables, and sees each as tenant data', async () => {
    const report = await verifyIsolation({ admin: t.admin });
    expect(report.findings).toEqual([]);
    expect(report.tenantTables).toEqual(expect.arrayContaining(TENANT_TABLES.map((name) => `tenantry.${name}`)));
    for (const name of OPERATOR_TABLES) expect(report.tenantTables).not.toContain(`tenantry.${name}`);
  });
});

describe('deleting a tenant', () => {
  async function populate(tenant: Tenant) {
    await t.db.transaction(tenant.id, async (tx) => {
      const role = await control.roles.create(tx, { name: 'ops', permissions: ['tenant:read'] }, owner);
      await control.members.add(tx, { userId: 'u1', role: 'owner' }, owner);
      await control.members.add(tx, { userId: 'u2', role: role.id }, owner);
      await control.invitations.create(tx, { email: 'new@example.com', role: role.id }, owner);
      await control.apiKeys.create(tx, { name: 'k', scopes: ['tenant:read'] }, owner);
      await control.origins.add(tx, 'https://app.example.com');
      await control.signingSecrets.rotate(tx);
      await control.domains.add(tx, `${tenant.slug}.customer.test`);
    });
  }
  const counts = async (tenant: Tenant) => {
    const result: Record<string, number> = {};
    for (const table of TENANT_TABLES) {
      result[table] = (await t.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenantry.${table} WHERE tenant_id = $1`, [tenant.id])).rows[0]?.n ?? -1;
    }
    return result;
  };

  it("purges every control-plane row of that tenant and nothing of another's", async () => {
    const leaving = await t.registry.create({ slug: 'leaving' });
    const staying = t.tenants[0] as Tenant;
    await populate(leaving);
    await populate(staying);
    const stayingBefore = await counts(staying);
    expect(Object.values(stayingBefore).every((n) => n >= 1)).toBe(true);
    await t.registry.offboard(leaving.id);
    const { purged } = await t.registry.delete(leaving.id);
    expect(Object.values(await counts(leaving))).toEqual(TENANT_TABLES.map(() => 0));
    expect(purged.deleted['tenantry.members']).toBe(2);
    expect(await counts(staying)).toEqual(stayingBefore);
  });
});

describe('createControlPlane', () => {
  it('refuses an unknown option rather than ignoring it', () => {
    expect(() => createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', invitationTTL: 5 } as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
