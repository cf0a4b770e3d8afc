// Tenant label values stay bounded (N tenants + `other`), heavy tenants get their own, and a
// label once given holds until the next re-evaluation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OTHER_TENANTS, TenantLabels } from './tenant-labels.js';

function manualClock() {
  let now = 0;
  return { nowMs: () => now, advance: (ms: number) => void (now += ms) };
}

describe('TenantLabels', () => {
  it('never hands out more than N tenant values between re-evaluations, and keeps a given label', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }).map((i) => ({ tenant: `t${i}` })), fc.constant({ relabel: true as const })), { maxLength: 600 }),
        (n, events) => {
          const labels = new TenantLabels({ topTenants: n, trackedTenants: Math.max(n, 5), admitAfter: 2 });
          let given = new Map<string, string>();
          for (const event of events) {
            if ('relabel' in event) {
              const dropped = labels.relabel();
              for (const id of dropped) expect(labels.labelOf(id)).toBe(OTHER_TENANTS);
              given = new Map();
              continue;
            }
            const label = labels.observe(event.tenant);
            expect([event.tenant, OTHER_TENANTS]).toContain(label);
            const before = given.get(event.tenant);
            // Once labelled, a tenant keeps its label until the next re-evaluation.
            if (before === event.tenant) expect(label).toBe(event.tenant);
            given.set(event.tenant, label);
            expect(new Set([...given.values()].filter((v) => v !== OTHER_TENANTS)).size).toBeLessThanOrEqual(n);
            expect(labels.labelled().length).toBeLessThanOrEqual(n);
          }
        },
      ),
    );
  });

  it('gives heavy tenants their own label after a re-evaluation even when small ones came first', () => {
    const labels = new TenantLabels({ topTenants: 2, admitAfter: 3 });
    for (let round = 0; round < 5; round++) for (const small of ['s1', 's2']) labels.observe(small);
    expect([...labels.labelled()].sort()).toEqual(['s1', 's2']);
    for (let i = 0; i < 100; i++) {
      labels.observe('heavy-a');
      labels.observe('heavy-b');
    }
    expect(labels.labelOf('heavy-a')).toBe(OTHER_TENANTS); // no free slot until re-evaluation
    expect(labels.relabel().sort()).toEqual(['s1', 's2']);
    expect([...labels.labelled()].sort()).toEqual(['heavy-a', 'heavy-b']);
    expect(labels.observe('heavy-a')).toBe('heavy-a');
    expect(labels.observe('s1')).toBe(OTHER_TENANTS);
  });

  it('re-evaluates by itself once the interval has passed', () => {
    const clock = manualClock();
    const labels = new TenantLabels({ topTenants: 1, admitAfter: 1, relabelIntervalMs: 1000, nowMs: clock.nowMs });
    const dropped: string[][] = [];
    labels.onRelabel = (ids) => void dropped.push([...ids]);
    labels.observe('a');
    for (let i = 0; i < 10; i++) labels.observe('b');
    expect(labels.labelled()).toEqual(['a']);
    clock.advance(1000);
    labels.observe('b');
    expect(dropped).toEqual([['a']]);
    expect(labels.labelled()).toEqual(['b']);
  });

  it('admits no tenant below the admission threshold (noise takes no slot)', () => {
    const labels = new TenantLabels({ topTenants: 5, admitAfter: 10 });
    for (let i = 0; i < 1000; i++) expect(labels.observe(`tenant-${i}`)).toBe(OTHER_TENANTS);
    expect(labels.relabel()).toEqual([]);
    expect(labels.labelled()).toEqual([]);
  });
});
