// `tenantry verify` audits database-tier tenants' databases beside the control database
// (docs/tiers.md, docs/verify.md): a broken table in one of them fails the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementCliFixture, type PlacementCliFixture } from './support/placement-cli.js';

let fixture: PlacementCliFixture;
beforeAll(async () => {
  fixture = await placementCliFixture();
});
afterAll(() => fixture?.close());

describe('tenantry verify with database-tier tenants', { timeout: 180_000 }, () => {
  it('audits each tenant database, and exits 1 naming the one whose table lost its isolation', async () => {
    const tenant = await fixture.p.create('own-db', 'database');
    const { pool } = await fixture.p.adminFor(tenant);
    const database = (await fixture.p.placement.directory.tryGetPlacement(tenant.id))?.database as string;
    const clean = await fixture.tenantry('verify', '--json', '--no-probe');
    expect(clean.code).toBe(0);
    const report = JSON.parse(clean.stdout) as { ok: boolean; databases: { database: string; report: { ok: boolean; tenantTables: string[] } }[] };
    expect(report.ok).toBe(true);
    expect(report.databases).toHaveLength(1);
    expect(report.databases[0]).toMatchObject({ database, report: { ok: true } });
    expect(report.databases[0]?.report.tenantTables).toContain('public.notes');
    await pool.query('ALTER TABLE public.notes DISABLE ROW LEVEL SECURITY');
    const broken = await fixture.tenantry('verify', '--no-probe');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`database ${database}: .*public\\.notes`, 's'));
    expect(broken.stderr).toContain('ISOLATION_FINDINGS');
  });
});
