// Per-tenant quota overrides: an operator's decision (a customer's negotiated limit), made on
// the operator pool under the tenant's own policy and recorded in the tenant's audit log in the
// same transaction.
import { coreErrors, parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import { appendAuditEvent, withAuditOperator } from '../audit/index.js';
import type { SqlPool } from '../postgres/index.js';
import { quotaErrors } from './errors.js';
import type { PlanCatalog } from './plan-catalog.js';

export interface SetQuotaOverridesOptions {
  /** Who decided: `operator:<id>`. */
  readonly actor: string;
  readonly requestId?: string;
  readonly clock?: Clock;
}

/** The overrides in force after the change: meter → hard limit (null: unlimited). */
export type QuotaOverrides = Readonly<Record<string, number | null>>;

function parseOverrides(catalog: PlanCatalog, limits: unknown): Record<string, number | null> {
  const bad = (meter: string, reason: string) => quotaErrors.create('QUOTA_OVERRIDE_INVALID', { details: { meter, reason } });
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw bad('', 'limits must be an object of meter → number or null');
  const out: Record<string, number | null> = {};
  for (const [meter, value] of Object.entries(limits)) {
    if (!Object.hasOwn(catalog.meters, meter)) throw bad(meter.slice(0, 64), 'is not a meter of the catalog');
    if (value !== null && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) throw bad(meter, 'must be a non-negative safe integer or null');
    out[meter] = value as number | null;
  }
  return out;
}

/**
 * Replaces the tenant's overrides with `limits` (a meter left out goes back to its plan's limit;
 * null makes it unlimited) and audits the change as `quota.overrides.set` with before and after.
 * Throws TENANT_NOT_FOUND for an unknown or deleted tenant.
 *
 * @example
 * await setQuotaOverrides(operatorPool, catalog, tenantId, { storageBytes: 50e9, apiCalls: null }, { actor: `operator:${op.id}` });
 */
export async function setQuotaOverrides(operator: SqlPool, catalog: PlanCatalog, tenantId: TenantId | string, limits: unknown, options: SetQuotaOverridesOptions): Promise<QuotaOverrides> {
  const id = parseTenantId(tenantId);
  const next = parseOverrides(catalog, limits);
  const clock = options.clock ?? systemClock;
  return withAuditOperator(operator, id, async (tx) => {
    const { rows: [tenant] } = await tx.query<{ status: string }>('SELECT status FROM tenantry.tenants WHERE id = $1 FOR UPDATE', [id]);
    if (!tenant || tenant.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
    const { rows: before } = await tx.query<{ meter: string; hard_limit: string | null }>('DELETE FROM tenantry.quota_overrides WHERE tenant_id = $1 RETURNING meter, hard_limit', [id]);
    const now = clock.now();
    const meters = Object.keys(next).sort();
    if (meters.length > 0) {
      await tx.query(
        `INSERT INTO tenantry.quota_overrides (tenant_id, meter, hard_limit, updated_at, updated_by)
         SELECT $1, o.meter, o.hard_limit, $4, $5 FROM unnest($2::text[], $3::bigint[]) AS o(meter, hard_limit)`,
        [id, meters, meters.map((m) => next[m]), now, options.actor],
      );
    }
    const previous = Object.fromEntries(before.map((r) => [r.meter, r.hard_limit === null ? null : Number(r.hard_limit)]));
    await appendAuditEvent(tx, {
      actor: options.actor, action: 'quota.overrides.set', target: `tenant:${id}`,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      details: { before: previous, after: next },
    }, { clock });
    return Object.freeze(next);
  });
}

/** The tenant's overrides, read on the operator pool. */
export async function getQuotaOverrides(operator: SqlPool, tenantId: TenantId | string): Promise<QuotaOverrides> {
  return withAuditOperator(operator, tenantId, async (tx) => {
    const { rows } = await tx.query<{ meter: string; hard_limit: string | null }>('SELECT meter, hard_limit FROM tenantry.quota_overrides WHERE tenant_id = $1 ORDER BY meter', [tx.tenantId]);
    return Object.freeze(Object.fromEntries(rows.map((r) => [r.meter, r.hard_limit === null ? null : Number(r.hard_limit)])));
  });
}
