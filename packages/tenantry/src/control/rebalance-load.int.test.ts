// Measuring placement targets for the rebalancer against real databases: two databases, each
// migrated on its own, stand for two servers of one region. Each reports its own tenants and
// database time (no target sees the other's), and draining one plans every tenant onto the other.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock, TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { planRebalance } from './rebalance.js';
import { measurePlacement } from './rebalance-load.js';

let a: TestTenantry;
let b: TestTenantry;
const now = new Date(Date.parse(inject('testNow')));
const clock: Clock = { now: () => now };

/** Writes `ms` of database time for `tenant` into the activity bucket holding `now`. */
async function dbTime(t: TestTenantry, tenant: TenantId, ms: number) {
  const bucket = new Date(now.getTime() - (now.getTime() % 300_000)).toISOString();
  await t.admin.query(
    `INSERT INTO tenantry.tenant_activity (subject_tenant, bucket_start, requests, server_errors, client_errors, duration_ms_sum, latency_counts, db_ms_sum)
     VALUES ($1, $2, 0, 0, 0, 0, array_fill(0::bigint, ARRAY[12]), $3)`,
    [tenant, bucket, ms],
  );
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 4 }),
    createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 }),
  ]);
  for (const [i, tenant] of a.tenants.entries()) await dbTime(a, tenant.id, 1000 * (i + 1));
  await dbTime(b, b.tenants[0]!.id, 500);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('measurePlacement', () => {
  it("reports each target's own tenants, database time, size and connections", async () => {
    const measured = await measurePlacement([
      { id: 'pg-a', region: 'eu', state: 'active', operator: a.operator },
      { id: 'pg-b', region: 'eu', state: 'active', operator: b.operator },
    ], { clock, windowMinutes: 15 });
    expect(measured.health.map((h) => [h.id, h.tenants, h.dbTimeMs])).toEqual([['pg-a', 4, 10_000], ['pg-b', 1, 500]]);
    for (const h of measured.health) {
      expect(h.connections).toBeGreaterThan(0);
      expect(h.maxConnections).toBeGreaterThanOrEqual(h.connections);
      expect(h.sizeBytes).toBeGreaterThan(0);
    }
    expect(new Set(measured.tenants.filter((t) => t.targetId === 'pg-a').map((t) => t.tenantId))).toEqual(new Set(a.tenants.map((t) => t.id)));
  });

  it('plans every tenant of a draining target onto the other, largest first', async () => {
    const measured = await measurePlacement([
      { id: 'pg-a', region: 'eu', state: 'draining', operator: a.operator },
      { id: 'pg-b', region: 'eu', state: 'active', operator: b.operator },
    ], { clock, windowMinutes: 15 });
    const plan = planRebalance(measured.targets, measured.tenants);
    expect(plan.stranded).toEqual([]);
    expect(plan.moves.map((m) => [m.tenantId, m.to, m.reason])).toEqual([...a.tenants].reverse().map((t) => [t.id, 'pg-b', 'draining']));
  });
});
