// `tenantry audit verify` as an operator runs it: every chain verifies after ordinary lifecycle
// work, and an event edited behind Tenantry's back makes it exit 1 naming the tenant and the link.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
  const passwords = inject('rolePasswords');
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: passwords.app, TENANTRY_OPERATOR_PASSWORD: passwords.operator };
  const acme = await t.registry.create({ slug: 'acme' });
  await t.registry.suspend(acme.id, { actor: 'operator:ada' });
  await t.registry.create({ slug: 'globex' });
});
afterAll(() => t?.close());

describe('tenantry audit verify', () => {
  it('verifies every chain after lifecycle work, and records the CLI as the author of its changes', SLOW, async () => {
    const restored = await runCli(['tenants', 'restore', 'acme'], env);
    expect(restored.code).toBe(0);
    const { code, stdout } = await runCli(['audit', 'verify'], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok\s+acme\s+4 events/m);
    expect(stdout).toMatch(/^ok\s+globex\s+2 events/m);
    const { rows } = await t.admin.query<{ actor: string }>(`SELECT actor FROM tenantry.audit_events WHERE action = 'tenant.restore'`);
    expect(rows.map((r) => r.actor)).toEqual([expect.stringMatching(/^cli:/)]);
  });

  it('exits 1 and names the edited link when an event was changed behind its back', SLOW, async () => {
    await t.admin.query(`ALTER TABLE tenantry.audit_events DISABLE TRIGGER USER;
      UPDATE tenantry.audit_events SET actor = 'operator:mallory' WHERE action = 'tenant.suspend';
      ALTER TABLE tenantry.audit_events ENABLE TRIGGER USER`);
    const { code, stdout, stderr } = await runCli(['audit', 'verify', '--json'], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/AUDIT_CHAIN_BROKEN/);
    const results = JSON.parse(stdout) as { tenant: { slug: string }; ok: boolean; break?: { kind: string; seq: number } }[];
    expect(results.find((r) => r.tenant.slug === 'acme')).toMatchObject({ ok: false, break: { kind: 'edited', seq: 3 } });
    expect(results.find((r) => r.tenant.slug === 'globex')).toMatchObject({ ok: true });
  });
});
