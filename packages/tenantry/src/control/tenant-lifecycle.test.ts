// The tenant lifecycle state machine, checked pair by pair against the documented diagram:
//   provisioning → active ⇄ suspended → offboarding → deleted   (active → offboarding too)
import { describe, expect, it } from 'vitest';
import { isTenantryError, TENANT_STATUSES, type TenantStatus } from '../core/index.js';
import { allowedEvents, LIFECYCLE_EVENTS, nextStatus, type LifecycleEvent } from './tenant-lifecycle.js';

// Written out here, independently of the implementation's table.
const LEGAL: Readonly<Record<TenantStatus, Partial<Record<LifecycleEvent, TenantStatus>>>> = {
  provisioning: { activate: 'active' },
  active: { suspend: 'suspended', offboard: 'offboarding' },
  suspended: { restore: 'active', offboard: 'offboarding' },
  offboarding: { delete: 'deleted' },
  deleted: {},
};

const pairs = TENANT_STATUSES.flatMap((status) => LIFECYCLE_EVENTS.map((event) => [status, event] as const));
const legal = pairs.filter(([status, event]) => LEGAL[status][event] !== undefined);
const illegal = pairs.filter(([status, event]) => LEGAL[status][event] === undefined);

describe('nextStatus', () => {
  it('knows exactly the documented statuses and events', () => {
    expect([...TENANT_STATUSES].sort()).toEqual(Object.keys(LEGAL).sort());
    expect([...LIFECYCLE_EVENTS].sort()).toEqual(['activate', 'delete', 'offboard', 'restore', 'suspend']);
    expect(legal).toHaveLength(6);
    expect(illegal).toHaveLength(19);
  });

  it.each(legal)('moves %s on %s to the documented status', (status, event) => {
    expect(nextStatus(status, event)).toBe(LEGAL[status][event]);
  });

  it.each(illegal)('refuses %s on %s with TENANT_INVALID_TRANSITION naming what is allowed', (status, event) => {
    let err: unknown;
    try {
      nextStatus(status, event);
    } catch (e) {
      err = e;
    }
    expect(isTenantryError(err, 'TENANT_INVALID_TRANSITION')).toBe(true);
    const details = (err as { details: { from: string; event: string; allowed: string[] } }).details;
    expect(details.from).toBe(status);
    expect(details.event).toBe(event);
    expect([...details.allowed].sort()).toEqual(Object.keys(LEGAL[status]).sort());
    expect((err as { kind: string }).kind).toBe('conflict');
  });
});

describe('allowedEvents', () => {
  it.each(TENANT_STATUSES)('lists the events allowed from %s', (status) => {
    expect([...allowedEvents(status)].sort()).toEqual(Object.keys(LEGAL[status]).sort());
  });

  it('treats deleted as terminal', () => {
    expect(allowedEvents('deleted')).toEqual([]);
    for (const event of LIFECYCLE_EVENTS) expect(() => nextStatus('deleted', event)).toThrow();
  });

  it('reaches every status from provisioning, and deleted from every status', () => {
    const reachable = (from: TenantStatus): Set<TenantStatus> => {
      const seen = new Set<TenantStatus>([from]);
      const queue = [from];
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        for (const event of allowedEvents(s)) {
          const to = nextStatus(s, event);
          if (!seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      return seen;
    };
    expect([...reachable('provisioning')].sort()).toEqual([...TENANT_STATUSES].sort());
    for (const status of TENANT_STATUSES) expect(reachable(status).has('deleted'), status).toBe(true);
  });
});
