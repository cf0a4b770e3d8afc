// `tenantry webhooks …` and `tenantry jobs …` as child processes against a real database: an
// operator adds, lists and removes a tenant's webhook endpoint (private targets refused by
// default), reads its delivery log, and lists and retries jobs.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

// Each command is a fresh Node process that compiles TypeScript: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;
const tenantry = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 1 });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
});
afterAll(() => t?.close());

describe('tenantry webhooks and jobs', SLOW, () => {
  it('adds, lists and removes a tenant\'s endpoint; refuses a private target', async () => {
    const slug = t.tenants[0]!.slug;
    const refused = await tenantry('webhooks', 'add', slug, '--url', 'http://169.254.169.254/latest', '--events', '*');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('WEBHOOK_TARGET_FORBIDDEN');
    const added = await tenantry('webhooks', 'add', slug, '--url', 'https://hooks.example.com/in', '--events', 'member.*,usage.alert', '--json');
    expect(added.code, added.stderr).toBe(0);
    const made = JSON.parse(added.stdout) as { endpoint: { id: string; eventTypes: string[] }; signingSecret: string };
    expect(made.endpoint.eventTypes).toEqual(['member.*', 'usage.alert']);
    expect(made.signingSecret).toMatch(/^tnt_sig_/);
    const listed = await tenantry('webhooks', 'list', slug);
    expect(listed.stdout).toContain(`${made.endpoint.id}  enabled   https://hooks.example.com/in  member.*,usage.alert`);
    expect((await tenantry('webhooks', 'remove', slug, made.endpoint.id)).code).toBe(0);
    // Checked in the database, not with another (slow) CLI process.
    expect((await t.admin.query('SELECT count(*)::int AS n FROM tenantry.webhook_endpoints')).rows).toEqual([{ n: 0 }]);
  });

  it('lists jobs and refuses to retry one that has not failed', async () => {
    const listed = await tenantry('jobs', 'list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const retry = await tenantry('jobs', 'retry', 'tenantry.webhook.deliver', '00000000-0000-4000-8000-000000000000');
    expect(retry.code).not.toBe(0);
    expect(retry.stderr).toContain('JOB_NOT_FOUND');
  });
});
