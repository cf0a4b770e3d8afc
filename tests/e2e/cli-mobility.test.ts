// `tenantry export`, `import`, `backup` and `restore` as an operator runs them (a child process
// against a real database): the archive round-trips into a new tenant, a damaged archive exits
// non-zero naming ARCHIVE_INVALID and changes nothing, and a backup restores.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isolateTable } from 'tenantry/postgres';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'cli-mobility-'));

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock: createTestClock(inject('testNow')) });
  const passwords = inject('rolePasswords');
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: passwords.app, TENANTRY_OPERATOR_PASSWORD: passwords.operator, TENANTRY_BACKUP_DIR: join(dir, 'backups') };
  await t.admin.query('CREATE TABLE notes (tenant_id uuid NOT NULL, id int NOT NULL, body text, PRIMARY KEY (tenant_id, id))');
  await isolateTable('notes', { admin: t.admin });
  const acme = await t.registry.create({ slug: 'acme' });
  await t.db.transaction(acme.id, (tx) => tx.query("INSERT INTO notes (id, body) SELECT g, 'note ' || g FROM generate_series(1, 50) g"));
  await t.registry.create({ slug: 'globex' });
  await t.registry.create({ slug: 'initech' });
});
afterAll(() => t?.close());

const notes = async (slug: string) => {
  const tenant = await t.registry.getBySlug(slug);
  return (await t.db.transaction(tenant.id, (tx) => tx.query<{ body: string }>('SELECT body FROM notes ORDER BY id'))).rows.map((r) => r.body);
};

describe('tenantry export and import', () => {
  it('exports a tenant to a file and imports it into an empty tenant', SLOW, async () => {
    const out = join(dir, 'acme.tar.gz');
    const exported = await runCli(['export', 'acme', '--out', out], env);
    expect(exported.code, exported.stderr).toBe(0);
    const summary = JSON.parse(exported.stdout) as { file: string; sha256: string };
    expect(summary.file).toBe(out);
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
    // A damaged copy is refused and changes nothing.
    const bad = join(dir, 'bad.tar.gz');
    writeFileSync(bad, readFileSync(out).subarray(0, 200));
    const refused = await runCli(['import', bad, '--into', 'globex'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ARCHIVE_INVALID');
    expect(await notes('globex')).toEqual([]);
    const imported = await runCli(['import', out, '--into', 'globex'], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await notes('globex')).toEqual(await notes('acme'));
  });

  it('backs up and restores one tenant', SLOW, async () => {
    const backup = await runCli(['backup', 'acme'], env);
    expect(backup.code, backup.stderr).toBe(0);
    const { id } = JSON.parse(backup.stdout) as { id: string };
    const acme = await t.registry.getBySlug('acme');
    await t.db.transaction(acme.id, (tx) => tx.query('DELETE FROM notes WHERE id > 10'));
    const restored = await runCli(['restore', 'acme', '--from', id], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await notes('acme')).toHaveLength(50);
  });
});
