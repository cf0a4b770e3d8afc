// `tenantry tenants …` as a child process against a real database: what each command prints,
// its exit code, and what it changed (checked through the registry, not through the CLI).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from 'tenantry';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli, type CliResult } from './support/cli.js';

// Each command is a fresh Node process that compiles TypeScript: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;
const tenantry = (...args: string[]) => runCli(args, env);
const json = <T>(result: CliResult): T => JSON.parse(result.stdout) as T;

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0 });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
});
afterAll(() => t?.close());

describe('tenantry tenants create', SLOW, () => {
  it('creates an active tenant and prints it for people', async () => {
    const result = await tenantry('tenants', 'create', '--slug', 'acme', '--name', 'Acme Inc.', '--plan', 'pro', '--region', 'eu');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^created tenant acme\n/);
    expect(result.stdout).toMatch(/^name\s+Acme Inc\.$/m);
    expect(result.stdout).toMatch(/^status\s+active /m);
    const stored = await t.registry.getBySlug('acme');
    expect(stored).toMatchObject({ displayName: 'Acme Inc.', plan: 'pro', region: 'eu', status: 'active' });
    expect(result.stdout).toContain(stored.id);
  });

  it('prints the created tenant as JSON with --json', async () => {
    const result = await tenantry('tenants', 'create', '--slug', 'json-co', '--json');
    expect(result.code).toBe(0);
    const printed = json<Tenant>(result);
    expect(printed).toMatchObject({ slug: 'json-co', displayName: 'json-co', status: 'active', plan: 'free', region: 'default' });
    expect((await t.registry.get(printed.id)).slug).toBe('json-co');
  });

  it('refuses a slug another tenant uses with exit code 1 and TENANT_SLUG_TAKEN', async () => {
    await t.registry.create({ slug: 'taken' });
    const result = await tenantry('tenants', 'create', '--slug', 'taken');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error TENANT_SLUG_TAKEN: .+\n {2}slug: taken\n/);
  });

  it('refuses a plan the plan catalog lacks with QUOTA_PLAN_INVALID (a bad argument: exit 2) and creates nothing', async () => {
    const result = await tenantry('tenants', 'create', '--slug', 'platinum-co', '--plan', 'platinum');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error QUOTA_PLAN_INVALID: /);
    expect(await t.registry.tryGetBySlug('platinum-co')).toBeUndefined();
  });

  it('refuses a reserved slug with TENANT_SLUG_RESERVED (a bad argument: exit 2) and creates nothing', async () => {
    const result = await tenantry('tenants', 'create', '--slug', 'admin');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error TENANT_SLUG_RESERVED: /);
    expect(await t.registry.tryGetBySlug('admin')).toBeUndefined();
  });

  it('treats a missing --slug as a usage error with exit code 2', async () => {
    const result = await tenantry('tenants', 'create', '--name', 'No Slug');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--slug <slug>' not specified");
  });
});

describe('tenantry tenants list and show', SLOW, () => {
  let listed: Tenant[];
  beforeAll(async () => {
    listed = [];
    for (const slug of ['list-a', 'list-b', 'list-c']) listed.push(await t.registry.create({ slug }));
    await t.registry.suspend(listed[1]!.id);
  });

  it('lists tenants as a table with a header row', async () => {
    const result = await tenantry('tenants', 'list');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SLUG\s+STATUS\s+PLAN\s+REGION\s+CREATED$/);
    expect(lines.find((line) => line.includes('list-b'))).toMatch(new RegExp(`^${listed[1]!.id}\\s+list-b\\s+suspended\\s+free`));
  });

  it('pages through tenants as JSON with --limit and --cursor', async () => {
    const all = json<{ tenants: Tenant[] }>(await tenantry('tenants', 'list', '--json', '--limit', '500')).tenants.map((x) => x.slug);
    const first = json<{ tenants: Tenant[]; nextCursor?: string }>(await tenantry('tenants', 'list', '--json', '--limit', '2'));
    expect(first.tenants.map((x) => x.slug)).toEqual(all.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = json<{ tenants: Tenant[]; nextCursor?: string }>(await tenantry('tenants', 'list', '--json', '--limit', '2', '--cursor', first.nextCursor!));
    expect(second.tenants.map((x) => x.slug)).toEqual(all.slice(2, 4));
  });

  it('filters by --status', async () => {
    const page = json<{ tenants: Tenant[] }>(await tenantry('tenants', 'list', '--status', 'suspended', '--json'));
    expect(page.tenants.map((x) => x.slug)).toEqual(['list-b']);
  });

  it('rejects a --status or --limit that is not one with exit code 2', async () => {
    expect((await tenantry('tenants', 'list', '--status', 'asleep')).code).toBe(2);
    expect((await tenantry('tenants', 'list', '--limit', 'ten')).code).toBe(2);
  });

  it('shows one tenant by slug and, as JSON, by id', async () => {
    const bySlug = await tenantry('tenants', 'show', 'list-a');
    expect(bySlug.code).toBe(0);
    expect(bySlug.stdout).toMatch(new RegExp(`^id\\s+${listed[0]!.id}$`, 'm'));
    const byId = await tenantry('tenants', 'show', listed[0]!.id, '--json');
    expect(json<Tenant>(byId)).toMatchObject({ id: listed[0]!.id, slug: 'list-a', status: 'active' });
  });

  it('reports an unknown slug or id as TENANT_NOT_FOUND with exit code 1', async () => {
    for (const ref of ['no-such-tenant', '00000000-0000-4000-8000-000000000001']) {
      const result = await tenantry('tenants', 'show', ref);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error TENANT_NOT_FOUND: /);
    }
  });
});
