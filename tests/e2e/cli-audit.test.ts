// `tenantry audit verify` as an operator runs it: every chain verifies after ordinary lifecycle
// work, and an event edited behind Tenantry's back makes it exit 1 naming the tenant and the link.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;

beforeAll(async () => {
  // The library's writes are stamped at testNow; the CLI, a child process, stamps its own with the system clock.
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock: createTestClock(inject('testNow')) });
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
    // Like GET …/audit-events/verification, each tenant's verification is an operator action (issue 13).
    const { rows: actions } = await t.admin.query<{ actor: string; subject_tenant: string }>(`SELECT actor, subject_tenant FROM tenantry.operator_actions WHERE action = 'audit.verify'`);
    expect(actions).toHaveLength(2);
    expect(actions.every((a) => a.actor.startsWith('cli:'))).toBe(true);
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
  it('refuses to sign a broken chain, signs an intact one with an Ed25519 key, and then catches its deleted tail as truncated', SLOW, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const dir = mkdtempSync(join(tmpdir(), 'tenantry-audit-keys-'));
    writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    // acme's chain was edited by the test before: a broken chain is never signed over.
    const refused = await runCli(['audit', 'checkpoint', '--key', `k1:${join(dir, 'private.pem')}`], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/AUDIT_CHAIN_BROKEN/);
    const signed = await runCli(['audit', 'checkpoint', '--tenant', 'globex', '--key', `k1:${join(dir, 'private.pem')}`], env);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(/^signed\s+globex\s+head at seq 2/m);
    await t.admin.query(`ALTER TABLE tenantry.audit_events DISABLE TRIGGER USER;
      DELETE FROM tenantry.audit_events WHERE seq = 2 AND tenant_id = (SELECT id FROM tenantry.tenants WHERE slug = 'globex');
      UPDATE tenantry.audit_heads SET seq = 1, hash = (SELECT hash FROM tenantry.audit_events e WHERE e.tenant_id = audit_heads.tenant_id AND e.seq = 1)
       WHERE tenant_id = (SELECT id FROM tenantry.tenants WHERE slug = 'globex');
      ALTER TABLE tenantry.audit_events ENABLE TRIGGER USER`);
    const { code, stdout } = await runCli(['audit', 'verify', '--tenant', 'globex', '--key', `k1:${join(dir, 'public.pem')}`, '--json'], env);
    expect(code).toBe(1);
    const [result] = JSON.parse(stdout) as { ok: boolean; break?: { kind: string } }[];
    expect(result).toMatchObject({ ok: false, break: { kind: 'truncated' } });
  });

});
