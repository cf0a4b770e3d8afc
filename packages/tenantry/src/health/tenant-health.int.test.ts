// Per-tenant health is computed from each tenant's own activity only: for random traffic over
// many tenants (fast-check), every tenant's report matches a model of what it alone received.
// Runs start at testNow (TENANTRY_TEST_NOW), a day apart.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createActivityRecorder } from './activity-recorder.js';
import { createTenantHealth } from './tenant-health.js';

let t: TestTenantry;
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 10 });
});
afterAll(() => t?.close());

describe('createTenantHealth across many tenants', () => {
  it('reports for each tenant exactly its own requests, 5xx rate, latency bucket and database load', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ tenant: fc.nat(9), status: fc.constantFrom(200, 404, 500, 503), durationMs: fc.constantFrom(3, 40, 700), dbMs: fc.constantFrom(0, 2.5, 120) }), { maxLength: 150 }),
      async (events) => {
        // Each run a day later than the last: its window holds only its own traffic.
        run += 1;
        const now = new Date(Date.parse(inject('testNow')) + run * 86_400_000);
        const clock: Clock = { now: () => now };
        const recorder = createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0 });
        const model = t.tenants.map(() => ({ requests: 0, errors: 0, maxMs: 0, dbMs: 0 }));
        for (const e of events) {
          recorder.recordDatabase(t.tenants[e.tenant]!.id, e.dbMs);
          recorder.record(t.tenants[e.tenant]!.id, { statusCode: e.status, durationMs: e.durationMs });
          const m = model[e.tenant]!;
          m.dbMs += e.dbMs;
          m.requests += 1;
          if (e.status >= 500) m.errors += 1;
          m.maxMs = Math.max(m.maxMs, e.durationMs);
        }
        await recorder.close();
        const { items, window } = await createTenantHealth({ operator: t.operator, clock, minRequests: 0 }).list({}, { actor: 'operator:property' });
        const windowMs = Date.parse(window.end) - Date.parse(window.start);
        expect(items).toHaveLength(t.tenants.length);
        for (const [i, tenant] of t.tenants.entries()) {
          const m = model[i]!;
          const item = items.find((h) => h.tenantId === tenant.id);
          expect(item).toMatchObject({ requests: m.requests, errorRate: m.requests === 0 ? 0 : m.errors / m.requests });
          // Database time is this tenant's alone, spread over the window.
          expect((item?.dbLoad ?? -1) * windowMs).toBeCloseTo(m.dbMs, 6);
          if (m.requests === 0) expect(item?.p95Ms).toBeNull();
          // Never above the bound of the slowest bucket this tenant saw: no other tenant's latency leaks in.
          else expect(item?.p95Ms).toBeLessThanOrEqual(m.maxMs <= 5 ? 5 : m.maxMs <= 50 ? 50 : 1000);
        }
      },
    ), { numRuns: 20 });
  });
});
