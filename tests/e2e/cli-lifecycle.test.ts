// `tenantry tenants suspend|restore|delete` as a child process: the lifecycle moves the CLI
// makes, the ones it refuses, and that `delete` purges exactly one tenant's rows.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from 'tenantry';
import { isolateTable } from 'tenantry/postgres';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

// Each command is a fresh Node process that compiles TypeScript: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;
const tenantry = (...args: string[]) => runCli(args, env);
const notes = async (tenant: Tenant) =>
  t.db.withTenant(tenant.id, async (s) => (await s.query<{ body: string }>('SELECT body FROM notes ORDER BY body')).rows.map((r) => r.body), { admit: 'offboarding' });

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0 });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
  await t.admin.query('CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('notes', { admin: t.admin });
});
afterAll(() => t?.close());

describe('tenantry tenants suspend and restore', SLOW, () => {
  it('suspends an active tenant and restores it again', async () => {
    const tenant = await t.registry.create({ slug: 'sleepy' });
    const suspended = await tenantry('tenants', 'suspend', 'sleepy');
    expect(suspended).toMatchObject({ code: 0, stdout: `suspended tenant sleepy (${tenant.id})\n` });
    expect((await t.registry.get(tenant.id)).status).toBe('suspended');
    const restored = await tenantry('tenants', 'restore', tenant.id, '--json');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ id: tenant.id, status: 'active' });
    expect((await t.registry.get(tenant.id)).status).toBe('active');
  });

  it('refuses to restore an active tenant with TENANT_INVALID_TRANSITION and the allowed moves', async () => {
    const tenant = await t.registry.create({ slug: 'awake' });
    const result = await tenantry('tenants', 'restore', 'awake');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error TENANT_INVALID_TRANSITION: .+\n {2}from: active\n {2}event: restore\n {2}allowed: \["suspend","offboard"\]\n/);
    expect(await t.registry.get(tenant.id)).toEqual(tenant);
  });

  it('reports suspending an unknown tenant as TENANT_NOT_FOUND', async () => {
    const result = await tenantry('tenants', 'suspend', 'nobody-here');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error TENANT_NOT_FOUND: /);
  });
});

describe('tenantry tenants delete', SLOW, () => {
  it('refuses without --yes, with exit code 2, and changes nothing', async () => {
    const tenant = await t.registry.create({ slug: 'keep-me' });
    await t.db.withTenant(tenant.id, (s) => s.query(`INSERT INTO notes (body) VALUES ('kept')`));
    const result = await tenantry('tenants', 'delete', 'keep-me');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('without --yes');
    expect(result.stdout).toBe('');
    expect(await t.registry.get(tenant.id)).toEqual(tenant);
    expect(await notes(tenant)).toEqual(['kept']);
  });

  it('offboards the tenant, purges its rows, marks it deleted and leaves other tenants alone', async () => {
    const doomed = await t.registry.create({ slug: 'doomed' });
    const neighbour = await t.registry.create({ slug: 'neighbour' });
    await t.db.withTenant(doomed.id, (s) => s.query(`INSERT INTO notes (body) VALUES ('d1'), ('d2')`));
    await t.db.withTenant(neighbour.id, (s) => s.query(`INSERT INTO notes (body) VALUES ('n1')`));
    await t.registry.suspend(doomed.id); // a suspended tenant is deleted too

    const result = await tenantry('tenants', 'delete', 'doomed', '--yes', '--json');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { tenant: Tenant; purged: { deleted: Record<string, number> } };
    expect(printed.tenant).toMatchObject({ id: doomed.id, status: 'deleted' });
    // Only this tenant's two rows; other isolated tables (the library's own) may be listed with 0.
    expect(printed.purged.deleted).toMatchObject({ 'public.notes': 2 });
    const stored = await t.admin.query<{ status: string }>('SELECT status FROM tenantry.tenants WHERE id = $1', [doomed.id]);
    expect(stored.rows[0]?.status).toBe('deleted'); // the tombstone stays; the registry no longer finds it
    expect(await notes(neighbour)).toEqual(['n1']);
    const leftovers = await t.admin.query<{ n: string }>('SELECT count(*) AS n FROM notes WHERE tenant_id = $1', [doomed.id]);
    expect(leftovers.rows[0]?.n).toBe('0');
  });

  it('prints what it did for people, and then the tenant is not found', async () => {
    const tenant = await t.registry.create({ slug: 'gone-soon' });
    const result = await tenantry('tenants', 'delete', tenant.id, '--yes');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^deleted tenant gone-soon \\(${tenant.id}\\); purged 0 rows from \\d+ tables\n$`));
    const shown = await tenantry('tenants', 'show', 'gone-soon');
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/^error TENANT_NOT_FOUND: /);
  });
});
