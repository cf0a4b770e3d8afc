// Property 5: the tenant context (AsyncLocalStorage) follows each callback, not the connection.
// Many tenants' callbacks run at once on a pool far smaller than their number, so they queue for
// connections that other tenants release; inside each one, across awaits, timers, immediates,
// ticks and transactions, currentTenant() is that callback's tenant and so is the database's.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, isTenantryError, runWithTenant, type TenantId } from 'tenantry';
import type { SqlQueryable } from 'tenantry/postgres';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { settleAll, tenantIds } from './isolation-fixtures.js';

const TENANTS = 24;
let t: TestTenantry;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 2 });
  tenants = tenantIds(t);
});
afterAll(() => t?.close());

type Step = 'query' | 'two-queries-at-once' | 'timeout' | 'immediate' | 'next-tick' | 'microtask' | 'transaction' | 'nested-context';
const STEPS: Step[] = ['query', 'two-queries-at-once', 'timeout', 'immediate', 'next-tick', 'microtask', 'transaction', 'nested-context'];
type Entry = 'withTenant' | 'transaction' | 'withCurrentTenant' | 'currentTenantTransaction';

// The timers below are what is being tested (the context must survive them), not a way to wait.
const yields: Record<'timeout' | 'immediate' | 'next-tick' | 'microtask', () => Promise<void>> = {
  timeout: () => new Promise((resolve) => setTimeout(resolve, 0)),
  immediate: () => new Promise((resolve) => setImmediate(resolve)),
  'next-tick': () => new Promise((resolve) => process.nextTick(resolve)),
  microtask: () => new Promise((resolve) => queueMicrotask(resolve)),
};

function expectContext(id: TenantId): void {
  expect(currentTenant()?.tenantId).toBe(id);
}

async function expectDatabaseTenant(q: SqlQueryable, id: TenantId): Promise<void> {
  const { rows } = await q.query<{ tenant: string }>(`SELECT current_setting('app.tenant_id') AS tenant`);
  expect(rows).toEqual([{ tenant: id }]);
}

async function runSteps(q: SqlQueryable & { transaction?: (fn: (tx: SqlQueryable) => Promise<void>) => Promise<void> }, id: TenantId, other: TenantId, steps: Step[]): Promise<void> {
  expectContext(id);
  for (const step of steps) {
    switch (step) {
      case 'query':
        await expectDatabaseTenant(q, id);
        break;
      case 'two-queries-at-once':
        await Promise.all([expectDatabaseTenant(q, id), expectDatabaseTenant(q, id)]);
        break;
      case 'transaction':
        // Inside a scope: open a transaction of the scope. Inside a transaction: one more statement.
        if (q.transaction) {
          await q.transaction(async (tx) => {
            expectContext(id);
            await expectDatabaseTenant(tx, id);
            await yields.immediate();
            expectContext(id);
          });
        } else {
          await expectDatabaseTenant(q, id);
        }
        break;
      case 'nested-context':
        // The same tenant may be re-entered; another tenant may not be started from inside.
        runWithTenant(id, () => expectContext(id));
        try {
          runWithTenant(other, () => expect.unreachable('another tenant was entered from inside a callback'));
        } catch (err) {
          expect(isTenantryError(err, 'TENANT_CONTEXT_CONFLICT'), String(err)).toBe(true);
        }
        break;
      default:
        await yields[step]();
    }
    expectContext(id);
  }
}

describe('the tenant context of concurrent callbacks on a pool of two connections', () => {
  it('is each callback\'s own tenant, in the callback and in the database, across awaits and timers', async () => {
    const plan = fc.array(
      fc.record({
        entry: fc.constantFrom<Entry>('withTenant', 'transaction', 'withCurrentTenant', 'currentTenantTransaction'),
        steps: fc.array(fc.constantFrom(...STEPS), { minLength: 1, maxLength: 6 }),
      }),
      { minLength: TENANTS, maxLength: TENANTS },
    );
    await fc.assert(
      fc.asyncProperty(plan, async (callbacks) => {
        await settleAll(
          callbacks.map(async ({ entry, steps }, i) => {
            const id = tenants[i] as TenantId;
            const other = tenants[(i + 1) % TENANTS] as TenantId;
            const result = await (async () => {
              switch (entry) {
                case 'withTenant':
                  return t.db.withTenant(id, async (scope) => (await runSteps(scope, id, other, steps), currentTenant()?.tenantId));
                case 'transaction':
                  return t.db.transaction(id, async (tx) => (await runSteps(tx, id, other, steps), currentTenant()?.tenantId));
                case 'withCurrentTenant':
                  return runWithTenant({ tenantId: id, resolvedBy: 'test' }, () =>
                    t.db.withCurrentTenant(async (scope) => (await runSteps(scope, id, other, steps), currentTenant()?.tenantId)),
                  );
                case 'currentTenantTransaction':
                  return runWithTenant({ tenantId: id, resolvedBy: 'test' }, () =>
                    t.db.currentTenantTransaction(async (tx) => (await runSteps(tx, id, other, steps), currentTenant()?.tenantId)),
                  );
              }
            })();
            expect(result).toBe(id);
            // Back in the caller's context: no tenant leaks out of withTenant.
            expect(currentTenant()).toBeUndefined();
          }),
        );
      }),
      { numRuns: 20 },
    );
  });

  it('is not in context outside any callback, and the current-tenant forms refuse to guess', async () => {
    expect(currentTenant()).toBeUndefined();
    for (const run of [() => t.db.withCurrentTenant(async () => 'ran'), () => t.db.currentTenantTransaction(async () => 'ran')]) {
      const err = await (async () => run())().catch((e: unknown) => e);
      expect(isTenantryError(err, 'TENANT_CONTEXT_MISSING'), String(err)).toBe(true);
    }
  });

  // Bug (tenant-database.ts): withCurrentTenant calls requireTenant() before it has a promise, so with no
  // tenant in context it throws synchronously; `db.withCurrentTenant(fn).catch(next)` never sees the error.
  it('rejects rather than throws when the current-tenant forms find no tenant in context', async () => {
    let thrown: unknown;
    let returned: Promise<unknown> | undefined;
    try {
      returned = t.db.withCurrentTenant(async () => 'ran');
    } catch (err) {
      thrown = err;
    }
    expect(thrown, 'thrown synchronously').toBeUndefined();
    expect(isTenantryError(await returned?.catch((e: unknown) => e), 'TENANT_CONTEXT_MISSING')).toBe(true);
  });
});
