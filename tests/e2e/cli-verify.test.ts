// `tenantry verify` as a team's CI runs it: exit 0 and "no findings" on a correct database,
// exit 1 with the findings (text or JSON) once a tenant table is left without row-level security.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isolateTable } from 'tenantry/postgres';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
  await t.admin.query('CREATE TABLE notes (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('notes', { admin: t.admin });
  env = { DATABASE_URL: t.url };
});
afterAll(() => t?.close());

describe('tenantry verify', () => {
  it('exits 0 and reports no findings for a correctly isolated database', SLOW, async () => {
    const { code, stdout } = await runCli(['verify'], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/no findings/);
  });

  it('exits 1 and names the table when a tenant table has no row-level security', SLOW, async () => {
    await t.admin.query('CREATE TABLE leaky (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id)); GRANT SELECT ON leaky TO tenantry_app');
    try {
      const text = await runCli(['verify'], env);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/rls_not_enabled\s+public\.leaky/);
      expect(text.stderr).toMatch(/ISOLATION_FINDINGS/);
      const json = await runCli(['verify', '--json', '--no-probe'], env);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { ok: boolean; probed: boolean; findings: { kind: string; object: string }[] };
      expect(report).toMatchObject({ ok: false, probed: false });
      expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'rls_not_enabled', object: 'public.leaky' }));
    } finally {
      await t.admin.query('DROP TABLE leaky');
    }
  });
});
