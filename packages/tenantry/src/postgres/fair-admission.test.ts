// Fair admission without a database: who gets a place, in what order, and what is refused.
// Places are handed out and given back by the test itself, so every assertion is on counts and
// order, never on time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTenantId, type TenantId } from '../core/index.js';
import { errorOf, expectCode } from '../testing/index.js';
import { withDatabaseDeadline } from './database-deadline.js';
import { createFairAdmission, type AdmissionTicket, type FairAdmission, type TenantShare } from './fair-admission.js';

interface Held { readonly tenantId: TenantId; readonly ticket: AdmissionTicket }

/** Enters and records each grant, in the order the grants happened. */
function recorder(admission: FairAdmission) {
  const grants: TenantId[] = [];
  const held: Held[] = [];
  const enter = (tenantId: TenantId, share?: TenantShare) =>
    admission.enter(tenantId, share).then((ticket) => {
      grants.push(tenantId);
      held.push({ tenantId, ticket });
    });
  /** Gives back the oldest place held, then lets the promise callbacks of the grants it caused run. */
  const releaseOldest = async () => {
    const first = held.shift();
    first?.ticket.leave();
    await flush();
  };
  return { grants, held, enter, releaseOldest };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createFairAdmission', () => {
  it('admits every small tenant, in arrival order, before the flooding tenant gets a third place', async () => {
    const admission = createFairAdmission({ capacity: 4, maxConnectionsPerTenant: 2 });
    const r = recorder(admission);
    const flooder = newTenantId();
    const small = Array.from({ length: 10 }, () => newTenantId());
    const pending = [...Array.from({ length: 50 }, () => r.enter(flooder)), ...small.map((id) => r.enter(id))];
    await flush();
    // The flooder is held at its cap, with the pool not even full: the rest of its calls wait.
    expect(admission.tenant(flooder)).toEqual({ active: 2, waiting: 48 });
    expect(admission.stats()).toMatchObject({ inUse: 4, waiting: 56 });
    let maxFlooder = 0;
    while (r.held.length > 0) {
      maxFlooder = Math.max(maxFlooder, admission.tenant(flooder).active);
      await r.releaseOldest();
    }
    await Promise.all(pending);
    expect(maxFlooder).toBe(2);
    // The flood's two places, then every small tenant in arrival order, then the flood again.
    expect(r.grants.slice(0, 12)).toEqual([flooder, flooder, ...small]);
    expect(r.grants.slice(12).every((id) => id === flooder)).toBe(true);
    expect(admission.stats()).toEqual({ capacity: 4, inUse: 0, waiting: 0, tenantsWaiting: 0 });
  });

  it('splits a contended pool by weight (2:1 gives 4 and 2 places of 6)', async () => {
    const admission = createFairAdmission({ capacity: 6, maxConnectionsPerTenant: 6 });
    const r = recorder(admission);
    const heavy = newTenantId();
    const light = newTenantId();
    const pending = [
      ...Array.from({ length: 30 }, () => r.enter(heavy, { weight: 2 })),
      ...Array.from({ length: 30 }, () => r.enter(light, { weight: 1 })),
    ];
    await flush();
    // Alone first, the heavy tenant took the whole idle pool (work-conserving).
    expect(admission.tenant(heavy).active).toBe(6);
    for (let i = 0; i < 12; i += 1) await r.releaseOldest();
    expect([admission.tenant(heavy).active, admission.tenant(light).active]).toEqual([4, 2]);
    while (r.held.length > 0) await r.releaseOldest();
    await Promise.all(pending);
  });

  it('refuses a caller past the per-tenant queue with DATABASE_TENANT_QUEUE_FULL, and only that tenant', async () => {
    const admission = createFairAdmission({ capacity: 1, maxQueuedPerTenant: 2 });
    const r = recorder(admission);
    const a = newTenantId();
    const b = newTenantId();
    const pending = [r.enter(a), r.enter(a), r.enter(a)];
    await flush();
    await expectCode(admission.enter(a), 'DATABASE_TENANT_QUEUE_FULL');
    pending.push(r.enter(b));
    while (r.grants.length < 4) await r.releaseOldest();
    await Promise.all(pending);
    // b arrived last but had no place yet: it goes before a's queued calls.
    expect(r.grants).toEqual([a, b, a, a]);
  });

  it('gives up a wait at the database deadline with DATABASE_TIMEOUT and forgets the waiter', async () => {
    const admission = createFairAdmission({ capacity: 1 });
    const a = newTenantId();
    const b = newTenantId();
    const held = await admission.enter(a);
    await expectCode(withDatabaseDeadline(5, () => admission.enter(b)), 'DATABASE_TIMEOUT');
    expect(admission.stats()).toMatchObject({ waiting: 0, tenantsWaiting: 0 });
    held.leave();
    expect(admission.stats().inUse).toBe(0);
  });

  it('gives up a wait at the acquire timeout with a retryable DATABASE_UNAVAILABLE, as a full pool would, and the deadline when it is the earlier', async () => {
    const admission = createFairAdmission({ capacity: 1, acquireTimeoutMs: 5 });
    const held = await admission.enter(newTenantId());
    const refused = await errorOf(withDatabaseDeadline(60_000, () => admission.enter(newTenantId())));
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', kind: 'unavailable', details: { acquireTimeoutMs: 5 } });
    await expectCode(admission.enter(newTenantId()), 'DATABASE_UNAVAILABLE');
    expect(admission.stats()).toMatchObject({ waiting: 0, tenantsWaiting: 0 });
    held.leave();
    const patient = createFairAdmission({ capacity: 1, acquireTimeoutMs: 60_000 });
    const taken = await patient.enter(newTenantId());
    await expectCode(withDatabaseDeadline(5, () => patient.enter(newTenantId())), 'DATABASE_TIMEOUT');
    taken.leave();
    await expectCode(() => createFairAdmission({ capacity: 1, acquireTimeoutMs: 0 }), 'CONFIG_INVALID');
  });

  it('refuses unknown options and bad shares with CONFIG_INVALID', async () => {
    await expectCode(() => createFairAdmission({ capacity: 0 }), 'CONFIG_INVALID');
    await expectCode(() => createFairAdmission({ capacity: 2, fair: true } as never), 'CONFIG_INVALID');
    const admission = createFairAdmission({ capacity: 2 });
    await expectCode(admission.enter(newTenantId(), { weight: -1 }), 'CONFIG_INVALID');
  });

  it('keeps its invariants over random floods (fast-check): capacity, caps, no idle place while an admissible tenant waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 4 }), cap: fc.integer({ min: 1, max: 6 }) }), { minLength: 2, maxLength: 8 }),
        fc.array(fc.oneof(fc.record({ op: fc.constant('enter' as const), who: fc.nat() }), fc.record({ op: fc.constant('leave' as const), who: fc.nat() })), { maxLength: 120 }),
        async (capacity, shares, ops) => {
          const admission = createFairAdmission({ capacity, maxQueuedPerTenant: 1000 });
          const ids = shares.map(() => newTenantId());
          const held: Held[] = [];
          const pending: Promise<void>[] = [];
          const check = () => {
            const stats = admission.stats();
            expect(stats.inUse).toBeLessThanOrEqual(capacity);
            let admissibleWaiting = false;
            ids.forEach((id, i) => {
              const { active, waiting } = admission.tenant(id);
              const cap = Math.min((shares[i] as { cap: number }).cap, capacity);
              expect(active).toBeLessThanOrEqual(cap);
              if (waiting > 0 && active < cap) admissibleWaiting = true;
            });
            // Work-conserving: a free place and an admissible waiter never coexist.
            if (admissibleWaiting) expect(stats.inUse).toBe(capacity);
          };
          for (const { op, who } of ops) {
            if (op === 'enter') {
              const i = who % ids.length;
              const id = ids[i] as TenantId;
              const share = shares[i] as { weight: number; cap: number };
              pending.push(admission.enter(id, { weight: share.weight, maxConnections: share.cap }).then((ticket) => void held.push({ tenantId: id, ticket })));
            } else if (held.length > 0) {
              held.splice(who % held.length, 1)[0]?.ticket.leave();
            }
            await flush();
            check();
          }
          while (held.length > 0) {
            held.shift()?.ticket.leave();
            await flush();
            check();
          }
          await Promise.all(pending);
          expect(admission.stats()).toEqual({ capacity, inUse: 0, waiting: 0, tenantsWaiting: 0 });
        },
      ),
      { numRuns: 60 },
    );
  });
});
