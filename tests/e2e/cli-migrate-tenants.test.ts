// `tenantry migrate --tenants <dir>` as a child process against a real database: the
// application's migrations across schema-tier tenants, a failing tenant, a resumed run
// (docs/tiers.md, docs/cli.md).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlacement, TestTenantry } from 'tenantry/testing';
import { placementCliFixture, type PlacementCliFixture, NOTES_SQL } from './support/placement-cli.js';

const SLOW = { timeout: 180_000 };
let fixture: PlacementCliFixture;
let t: TestTenantry;
let p: TestPlacement;
const tenantry = (...args: string[]) => fixture.tenantry(...args);

beforeAll(async () => {
  fixture = await placementCliFixture();
  ({ t, p } = fixture);
});
afterAll(() => fixture?.close());

describe('tenantry migrate --tenants', SLOW, () => {
  it('applies a new migration to every placed tenant, names the one that failed with exit 1, and resumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-app-migrations-'));
    try {
      await writeFile(join(dir, '0001_notes.sql'), NOTES_SQL);
      await writeFile(join(dir, '0002_pinned.sql'), 'ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false');
      const a = await p.create('migrated-a', 'schema');
      const b = await p.create('migrated-b', 'schema');
      const schemaB = (await p.placement.directory.tryGetPlacement(b.id))?.schema as string;
      const dry = await tenantry('migrate', '--tenants', dir, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout.trim().split('\n').map((l) => JSON.parse(l) as { outcome?: string }).filter((l) => l.outcome === 'pending').length).toBeGreaterThanOrEqual(2);
      await t.admin.query(`ALTER TABLE ${schemaB}.notes ADD COLUMN pinned boolean`);
      const failed = await tenantry('migrate', '--tenants', dir);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('TENANT_MIGRATIONS_FAILED');
      const lines = failed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tenant?: string; outcome?: string; summary?: { failed: number } });
      expect(lines.find((l) => l.tenant === a.id)).toMatchObject({ outcome: 'applied' });
      expect(lines.find((l) => l.tenant === b.id)).toMatchObject({ outcome: 'failed' });
      expect(lines.at(-1)?.summary?.failed).toBe(1);
      await t.admin.query(`ALTER TABLE ${schemaB}.notes DROP COLUMN pinned`);
      const resumed = await tenantry('migrate', '--tenants', dir);
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1) as string)).toMatchObject({ summary: { applied: 1, failed: 0 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
