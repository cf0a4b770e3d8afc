// Migration 0003, tenantry.tenant_keys: wrapped data keys are tenant data under the same
// row-level isolation as the application's tables, out of reach of application SQL, writable
// by the operator only in their wrapping, and purged with the tenant.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import { TENANT_PREDICATE } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createTenantEncryption, localKeyProvider } from './index.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: randomBytes(32) } }) });
const context = { purpose: 'notes.body', recordId: '1' };
const asAdmin = async <R>(text: string, values: unknown[] = []) => (await t.admin.query<R>(text, values)).rows;
const keyRowsOf = async (tenant: TenantId) => (await asAdmin<{ n: string }>('SELECT count(*) AS n FROM tenantry.tenant_keys WHERE tenant_id = $1', [tenant]))[0]?.n;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  for (const tenant of [a, b]) await t.db.withTenant(tenant, (scope) => encryption.encrypt(scope, 'x', context));
});
afterAll(() => t?.close());

describe('the catalog', () => {
  it('enables and forces row-level security, with one permissive FOR ALL policy whose USING equals WITH CHECK', async () => {
    const [table] = await asAdmin<{ enabled: boolean; forced: boolean }>(
      `SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = 'tenantry.tenant_keys'::regclass`,
    );
    expect(table).toEqual({ enabled: true, forced: true });
    const policies = await asAdmin<{ cmd: string; permissive: boolean; using: string; check: string }>(
      `SELECT polcmd::text AS cmd, polpermissive AS permissive, pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
         FROM pg_policy WHERE polrelid = 'tenantry.tenant_keys'::regclass`,
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ cmd: '*', permissive: true });
    expect(policies[0]?.check).toBe(policies[0]?.using);
    // The same expression isolateTable() writes for application tables.
    await t.admin.query('CREATE TABLE ref_policy (tenant_id uuid NOT NULL, PRIMARY KEY (tenant_id))');
    await t.admin.query(`CREATE POLICY p ON ref_policy USING (${TENANT_PREDICATE})`);
    const [reference] = await asAdmin<{ using: string }>(`SELECT pg_get_expr(polqual, polrelid) AS using FROM pg_policy WHERE polrelid = 'ref_policy'::regclass`);
    expect(policies[0]?.using).toBe(reference?.using);
  });

  it('has a primary key (tenant_id, version)', async () => {
    const [pk] = await asAdmin<{ columns: string[] }>(
      `SELECT array_agg(a.attname ORDER BY k.n)::text[] AS columns FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = 'tenantry.tenant_keys'::regclass AND i.indisprimary`,
    );
    expect(pk?.columns).toEqual(['tenant_id', 'version']);
  });

  it('grants the app role DML only, and the operator reading and re-wrapping only', async () => {
    const privileges = async (role: string) =>
      (await asAdmin<{ p: string; ok: boolean }>(
        `SELECT p, has_table_privilege($1, 'tenantry.tenant_keys', p) AS ok
           FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p`,
        [role],
      )).filter((r) => r.ok).map((r) => r.p);
    expect(await privileges('tenantry_app')).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
    expect(await privileges('tenantry_operator')).toEqual(['SELECT']);
    const updatable = await asAdmin<{ column: string }>(
      `SELECT attname AS column FROM pg_attribute WHERE attrelid = 'tenantry.tenant_keys'::regclass AND attnum > 0
          AND has_column_privilege('tenantry_operator', 'tenantry.tenant_keys', attname, 'UPDATE') ORDER BY attname`,
    );
    expect(updatable.map((r) => r.column)).toEqual(['master_key_id', 'rewrapped_at', 'wrapped_key']);
    const [owner] = await asAdmin<{ owner: string }>(`SELECT relowner::regrole::text AS owner FROM pg_class WHERE oid = 'tenantry.tenant_keys'::regclass`);
    expect(owner?.owner).toBe('tenantry_owner');
  });

  it('is registered for the tenant purge', async () => {
    expect(await asAdmin(`SELECT 1 FROM tenantry.isolated_tables WHERE schema_name = 'tenantry' AND table_name = 'tenant_keys'`)).toHaveLength(1);
  });
});

describe('the rows, as the app role', () => {
  it('shows a tenant its own key rows only, and none without a tenant', async () => {
    const seen = await t.db.withTenant(a, async (scope) => (await unguardedQuery(scope).query<{ tenant_id: string }>('SELECT tenant_id FROM tenantry.tenant_keys')).rows);
    expect(seen.map((r) => r.tenant_id)).toEqual([a]);
    expect((await t.app.query('SELECT * FROM tenantry.tenant_keys')).rows).toEqual([]);
  });

  it("refuses a key row written for another tenant, and changes none of another tenant's rows", async () => {
    const err = await errorOf(
      t.db.withTenant(a, (scope) =>
        unguardedQuery(scope).query(`INSERT INTO tenantry.tenant_keys (tenant_id, version, master_key_id, wrapped_key) VALUES ($1, 99, 'primary', '\\x00')`, [b]),
      ),
    );
    expect(isTenantryError(err, 'ISOLATION_VIOLATION')).toBe(true);
    const changed = await t.db.withTenant(a, (scope) => unguardedQuery(scope).query('UPDATE tenantry.tenant_keys SET wrapped_key = NULL, master_key_id = NULL, destroyed_at = now() WHERE tenant_id = $1', [b]));
    expect(changed.rowCount).toBe(0);
    const gone = await t.db.withTenant(a, (scope) => unguardedQuery(scope).query('DELETE FROM tenantry.tenant_keys WHERE tenant_id = $1', [b]));
    expect(gone.rowCount).toBe(0);
    expect(await keyRowsOf(b)).toBe('1');
  });

  it('keeps application SQL away from the key table (the SQL guard refuses it)', async () => {
    const err = await errorOf(t.db.withTenant(a, (scope) => scope.query('SELECT wrapped_key FROM tenantry.tenant_keys')));
    expect(isTenantryError(err, 'ISOLATION_STATEMENT_REFUSED')).toBe(true);
  });

  it('refuses a row that is neither live (key and master key id) nor destroyed (neither)', async () => {
    const err = await errorOf(
      t.db.withTenant(a, (scope) => unguardedQuery(scope).query(`INSERT INTO tenantry.tenant_keys (tenant_id, version, master_key_id) VALUES ($1, 50, 'primary')`, [a])),
    );
    expect(isTenantryError(err, 'VALUE_INVALID')).toBe(true);
  });
});

describe('the tenant purge', () => {
  it("deletes an offboarded tenant's key rows with the rest of its data, and no other tenant's", async () => {
    const leaving = await t.registry.create({ slug: 'leaving' });
    await t.db.withTenant(leaving.id, (scope) => encryption.encrypt(scope, 'x', context));
    expect(await keyRowsOf(leaving.id)).toBe('1');
    await t.registry.offboard(leaving.id);
    const { purged } = await t.registry.delete(leaving.id);
    expect(purged.deleted['tenantry.tenant_keys']).toBe(1);
    expect(await keyRowsOf(leaving.id)).toBe('0');
    expect([await keyRowsOf(a), await keyRowsOf(b)]).toEqual(['1', '1']);
  });
});
