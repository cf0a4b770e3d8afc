// The tenant lifecycle as a pure state machine: which event moves which status where.
//   provisioning → active ⇄ suspended → offboarding → deleted   (active → offboarding too)
import type { TenantStatus } from '../core/index.js';
import { controlErrors } from './errors.js';

export const LIFECYCLE_EVENTS = ['activate', 'suspend', 'restore', 'offboard', 'delete'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

const TRANSITIONS: Readonly<Record<TenantStatus, Partial<Record<LifecycleEvent, TenantStatus>>>> = {
  provisioning: { activate: 'active' },
  active: { suspend: 'suspended', offboard: 'offboarding' },
  suspended: { restore: 'active', offboard: 'offboarding' },
  offboarding: { delete: 'deleted' },
  deleted: {},
};

/** The events allowed from `status`, for error details and for UIs that show only possible actions. */
export function allowedEvents(status: TenantStatus): LifecycleEvent[] {
  return Object.keys(TRANSITIONS[status]) as LifecycleEvent[];
}

/**
 * The status `event` leads to from `from`; throws TENANT_INVALID_TRANSITION when it is not
 * allowed. Pure: persistence (and serialization of concurrent transitions) is the registry's.
 *
 * @example nextStatus('active', 'suspend') // 'suspended'
 */
export function nextStatus(from: TenantStatus, event: LifecycleEvent): TenantStatus {
  const to = TRANSITIONS[from][event];
  if (to === undefined) throw controlErrors.create('TENANT_INVALID_TRANSITION', { details: { from, event, allowed: allowedEvents(from) } });
  return to;
}
