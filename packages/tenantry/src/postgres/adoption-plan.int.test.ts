// planAdoption on an existing application's schema (the shape of the Citus multi-tenant
// tutorial, keyed by a uuid tenant_id, with bigserial ids): every table lands in exactly one list,
// the plan changes nothing, and applying what it lists isolates the ready tables for real.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { planAdoption } from './adoption-plan.js';
import { isolateTable } from './isolate-table.js';

let t: TestTenantry;

const rowSecurity = async () =>
  (await t.admin.query<{ name: string; rls: boolean }>(`SELECT relname AS name, relrowsecurity AS rls FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind = 'r' ORDER BY 1`)).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  await t.admin.query(`CREATE SCHEMA app;
    CREATE TABLE app.plans (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE app.campaigns (tenant_id uuid NOT NULL, id bigserial, name text, PRIMARY KEY (tenant_id, id));
    CREATE TABLE app.ads (tenant_id uuid NOT NULL, id bigserial, campaign_id bigint NOT NULL, PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, campaign_id) REFERENCES app.campaigns (tenant_id, id));
    CREATE TABLE app.banners (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY);
    CREATE TABLE app.clicks (tenant_id uuid NOT NULL, id bigserial, banner_id bigint REFERENCES app.banners (id), PRIMARY KEY (tenant_id, id));
    CREATE TABLE app.impressions (id bigserial PRIMARY KEY, campaign_tenant uuid, campaign_id bigint,
      FOREIGN KEY (campaign_tenant, campaign_id) REFERENCES app.campaigns (tenant_id, id));
    CREATE TABLE app.legacy (tenant_id bigint NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id));
    GRANT USAGE ON SCHEMA app TO tenantry_app`);
});
afterAll(() => t?.close());

describe('planAdoption', () => {
  it('puts every table in exactly one list, says why a table is blocked, and changes nothing', async () => {
    const before = await rowSecurity();
    const plan = await planAdoption({ admin: t.admin, schema: 'app' });
    expect(plan.adoptable.map((x) => x.table)).toEqual(['app.ads', 'app.campaigns']);
    expect(plan.global).toEqual(['app.plans']);
    expect(Object.fromEntries(plan.blocked.map((b) => [b.table, b.code]))).toEqual({
      'app.banners': 'TABLE_KEY_NOT_TENANT_LED',
      'app.clicks': 'FOREIGN_KEY_NOT_COMPOSITE',
      'app.impressions': 'TABLE_NOT_TENANT_SCOPED',
      'app.legacy': 'TABLE_NOT_TENANT_SCOPED',
    });
    const all = [...plan.adoptable.map((x) => x.table), ...plan.blocked.map((x) => x.table), ...plan.global].sort();
    expect(all).toEqual((await rowSecurity()).map((r) => `app.${r.name}`));
    expect(plan.blocked.find((b) => b.table === 'app.impressions')?.migration[0]).toBe('ALTER TABLE app.impressions ADD COLUMN tenant_id uuid');
    expect(plan.blocked.find((b) => b.table === 'app.clicks')?.problems[0]).toMatch(/clicks_banner_id_fkey to app\.banners does not include tenant_id/);
    for (const ready of plan.adoptable) {
      expect(ready.statements).toContain(`ALTER TABLE ${ready.table} FORCE ROW LEVEL SECURITY`);
      expect(ready.statements).toContain(`GRANT USAGE ON SEQUENCE ${ready.table}_id_seq TO "tenantry_app"`);
    }
    expect(await rowSecurity()).toEqual(before);
  });

  it('applying the ready tables isolates them: bigserial inserts work and each tenant sees only its rows', async () => {
    const plan = await planAdoption({ admin: t.admin, schema: 'app' });
    for (const ready of plan.adoptable) await isolateTable(ready.table, { admin: t.admin });
    const [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
    for (const tenant of [a, b]) {
      await t.db.transaction(tenant, async (tx) => {
        const { rows: [campaign] } = await tx.query<{ id: string }>(`INSERT INTO app.campaigns (name) VALUES ($1) RETURNING id`, [tenant]);
        await tx.query('INSERT INTO app.ads (campaign_id) VALUES ($1)', [campaign?.id]);
      });
    }
    const seen = await t.db.withTenant(a, (s) => s.query<{ name: string }>('SELECT name FROM app.campaigns'));
    expect(seen.rows).toEqual([{ name: a }]);
    expect((await planAdoption({ admin: t.admin, schema: 'app' })).adoptable.every((x) => x.statements.length === 0)).toBe(true);
  });

  it('refuses an unknown option, naming it', async () => {
    await expectCode(() => planAdoption({ admin: t.admin, column: 'company_id' } as never), 'CONFIG_INVALID');
  });
});
