// `tenantry adopt` as a user adopting an existing schema runs it: a dry run that prints the plan
// and changes nothing, exit 1 (ADOPTION_BLOCKED) while a table must change first, then --apply
// isolates the ready tables and `tenantry verify` finds nothing but the shared id sequences.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;

const rls = async (table: string) => (await t.admin.query<{ rls: boolean }>('SELECT relrowsecurity AS rls FROM pg_class WHERE oid = to_regclass($1)', [table])).rows[0]?.rls;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
  await t.admin.query(`CREATE TABLE plans (id serial PRIMARY KEY, name text);
    CREATE TABLE campaigns (tenant_id uuid NOT NULL, id bigserial, name text, PRIMARY KEY (tenant_id, id));
    CREATE TABLE banners (tenant_id uuid NOT NULL, id bigserial PRIMARY KEY)`);
  env = { DATABASE_URL: t.url };
});
afterAll(() => t?.close());

describe('tenantry adopt', () => {
  it('prints the plan as a dry run, changes nothing, and exits 1 naming the blocked table', SLOW, async () => {
    const { code, stdout, stderr } = await runCli(['adopt'], env);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ready\s+public\.campaigns/);
    expect(stdout).toMatch(/ALTER TABLE public\.campaigns FORCE ROW LEVEL SECURITY;/);
    expect(stdout).toMatch(/blocked\s+public\.banners\s+TABLE_KEY_NOT_TENANT_LED/);
    expect(stdout).toMatch(/global\s+public\.plans/);
    expect(stdout).toMatch(/dry run: nothing changed/);
    expect(stderr).toMatch(/ADOPTION_BLOCKED/);
    expect(await rls('campaigns')).toBe(false);
  });

  it('with --apply isolates the ready tables; once the blocked one is fixed it exits 0, and verify finds only the shared sequences', SLOW, async () => {
    expect((await runCli(['adopt', '--apply'], env)).code).toBe(1);
    expect(await rls('campaigns')).toBe(true);
    expect(await rls('banners')).toBe(false);
    await t.admin.query('ALTER TABLE banners DROP CONSTRAINT banners_pkey; ALTER TABLE banners ADD PRIMARY KEY (tenant_id, id)');
    const json = await runCli(['adopt', '--apply', '--json'], env);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { applied: boolean; blocked: unknown[]; adoptable: { table: string }[] };
    expect(plan).toMatchObject({ applied: true, blocked: [] });
    expect(plan.adoptable.map((x) => x.table)).toEqual(['public.banners', 'public.campaigns']);
    expect(await rls('banners')).toBe(true);
    // The verifier finds only what docs/adopting.md explains: bigserial ids are one counter shared
    // by every tenant (global_sequence), which tells a tenant how busy the others are.
    const verify = await runCli(['verify', '--json'], env);
    const report = JSON.parse(verify.stdout) as { findings: { kind: string; object: string }[] };
    expect(report.findings.map((f) => `${f.kind} ${f.object}`).sort()).toEqual(['global_sequence public.banners', 'global_sequence public.campaigns']);
  });
});
