// Database time per tenant: exact for few tenants, bounded for many, and the hot tenant is
// found among 100,000 tenants in 100 counters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTenantId, type TenantId } from '../core/index.js';
import { coreErrors } from '../core/index.js';
import { postgresErrors } from '../postgres/index.js';
import { createDatabaseTime } from './database-time.js';

const statement = (tenantId: TenantId, durationMs: number, error: unknown = undefined) => ({ tenantId, durationMs, error, inTransaction: false });

describe('createDatabaseTime', () => {
  it("adds each tenant's statement times, counts its timeouts, and gives its share", () => {
    const time = createDatabaseTime();
    const [a, b] = [newTenantId(), newTenantId()];
    const on = time.observer.onStatement!;
    on(statement(a, 30));
    on(statement(a, 30, postgresErrors.create('STATEMENT_TIMEOUT')));
    on(statement(b, 20, coreErrors.create('TENANT_SUSPENDED')));
    on(statement(b, 20));
    expect(time.totalMs()).toBe(100);
    expect(time.top(2)).toEqual([
      { tenantId: a, ms: 60, share: 0.6, timeouts: 1 },
      { tenantId: b, ms: 40, share: 0.4, timeouts: 0 },
    ]);
    expect(time.hot().map((t) => t.tenantId)).toEqual([a, b]);
    time.decay();
    expect(time.top(1)[0]).toMatchObject({ tenantId: a, ms: 30 });
  });

  it('finds the tenant holding a third of the database time among 100,000, in 100 counters (fast-check over when it runs)', () => {
    const background = Array.from({ length: 100_000 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}` as TenantId);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 20 }), (ms, bursts) => {
        const time = createDatabaseTime({ trackedTenants: 100, hotShare: 0.3 });
        const heavy = newTenantId();
        const on = time.observer.onStatement!;
        // The heavy tenant's time (half of the background's) in `bursts` bursts spread across it.
        const every = Math.ceil(background.length / bursts);
        for (const [i, id] of background.entries()) {
          on(statement(id, ms));
          if (i % every === 0) on(statement(heavy, (background.length * ms) / 2 / bursts));
        }
        expect(time.hot().map((t) => t.tenantId)).toEqual([heavy]);
        expect(time.top(1)[0]?.share).toBeGreaterThanOrEqual(0.3);
      }),
      { numRuns: 5 },
    );
  });
});
