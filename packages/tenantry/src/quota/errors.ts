// Error codes of the quota capability: plans, quotas and reservations, usage metering, billing.
import { defineErrors } from '../core/index.js';

export const quotaErrors = defineErrors('quota', {
  // `limited` (HTTP 429), not `forbidden` (403): the caller is allowed to do this, the tenant has
  // used up what its plan allows. 403 is PERMISSION_DENIED's status, and a client must be able to
  // tell "you may not" from "not now / not on this plan". docs/quotas.md says more.
  QUOTA_EXCEEDED: {
    kind: 'limited',
    message: 'The tenant\'s quota for this meter is used up.',
    fix: 'See `details.meter`, `details.limit`, `details.used` and `details.requested`: free some usage, wait for the next period, or move the tenant to a larger plan (or give it an override).',
  },
  QUOTA_PLAN_CATALOG_INVALID: {
    kind: 'invalid',
    message: 'The plan catalog is invalid.',
    fix: 'Read `details.path` and `details.reason` and correct that entry of the catalog.',
  },
  QUOTA_PLAN_UNKNOWN: {
    kind: 'internal',
    message: 'The tenant\'s plan is not in the plan catalog.',
    fix: 'Add the plan named by `details.plan` to the catalog, or change the tenant\'s plan to one it has.',
  },
  QUOTA_PLAN_INVALID: {
    kind: 'invalid',
    message: 'The plan is not in the plan catalog.',
    fix: 'Use a plan of the catalog (see GET /v1/plans); `details.plan` names the one given.',
  },
  QUOTA_METER_UNKNOWN: {
    kind: 'invalid',
    message: 'The meter is not declared in the plan catalog.',
    fix: 'Use a meter of the catalog (see GET /v1/plans), or declare `details.meter` there.',
  },
  QUOTA_AMOUNT_INVALID: {
    kind: 'invalid',
    message: 'The quota amount is invalid.',
    fix: 'See `details.field` and `details.reason`: amounts are positive safe integers.',
  },
  QUOTA_RESERVATION_NOT_FOUND: {
    kind: 'not_found',
    message: 'The quota reservation does not exist (it was committed, released or has expired).',
    fix: 'Reserve again; commit or release a reservation once, before it expires.',
  },
  QUOTA_OVERRIDE_INVALID: {
    kind: 'invalid',
    message: 'The quota override is invalid.',
    fix: 'See `details.meter` and `details.reason`: limits are non-negative safe integers or null (unlimited), for meters of the catalog.',
  },
  USAGE_EVENT_INVALID: {
    kind: 'invalid',
    message: 'A usage event is invalid.',
    fix: 'See `details.index`, `details.field` and `details.reason`.',
  },
  USAGE_EVENT_CONFLICT: {
    kind: 'conflict',
    message: 'A usage event id was already used for a different meter or quantity.',
    fix: 'Give every distinct event its own id; resend a retried event exactly as it was first sent. See `details.id`.',
  },
  BILLING_PERIOD_INVALID: {
    kind: 'invalid',
    message: 'The billing period is invalid.',
    fix: 'Pass a month as YYYY-MM, e.g. 2026-11.',
  },
  BILLING_CURSOR_INVALID: {
    kind: 'invalid',
    message: 'The cursor is not one this billing export returned.',
    fix: 'Pass the `nextCursor` of the previous page unchanged, with the same period.',
  },
});
