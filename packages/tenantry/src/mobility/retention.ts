// Retention per data class: how long a tenant's usage events, activity rollups and backups are
// kept (a plan's default, a tenant's override), applied by a job that reads "now" from the
// injected clock. Each run is recorded (tenantry.retention_runs), and each tenant it deleted
// anything of gets a `retention.apply` event in its audit log.
import { randomUUID } from 'node:crypto';
import { appendAuditEvent, withAuditOperator } from '../audit/index.js';
import { parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool } from '../postgres/index.js';
import type { BackupStore } from './backup-store.js';
import { mobilityErrors } from './errors.js';

export const RETENTION_DATA_CLASSES = ['usage_events', 'activity', 'backups'] as const;
export type RetentionDataClass = (typeof RETENTION_DATA_CLASSES)[number];

/** Where a policy applies: every tenant on a plan, or one tenant (which wins over its plan's). */
export type RetentionScope = { readonly plan: string } | { readonly tenantId: TenantId | string };

export interface RetentionPolicy {
  readonly dataClass: RetentionDataClass;
  readonly keepDays: number;
  readonly source: 'plan' | 'tenant';
}

const DAY_MS = 86_400_000;

function checkPolicy(dataClass: string, keepDays: number | null): void {
  if (!(RETENTION_DATA_CLASSES as readonly string[]).includes(dataClass)) throw mobilityErrors.create('RETENTION_POLICY_INVALID', { details: { field: 'dataClass' } });
  if (keepDays !== null && (!Number.isInteger(keepDays) || keepDays < 1 || keepDays > 36_500)) throw mobilityErrors.create('RETENTION_POLICY_INVALID', { details: { field: 'keepDays' } });
}

const run = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    throw toTenantryError(err);
  }
};

/**
 * Sets (or, with `keepDays: null`, removes) the retention of one data class for a plan or a tenant.
 * A tenant's override is changed in the same transaction as a `retention.policy.set` event in its
 * audit log (`from` and `to` keep days, `null` for none), by `actor` (default `system:retention`).
 *
 * @example await setRetentionPolicy(operator, { plan: 'free' }, 'usage_events', 90, clock);
 */
export async function setRetentionPolicy(
  operator: SqlPool, scope: RetentionScope, dataClass: RetentionDataClass, keepDays: number | null, clock: Clock = systemClock, actor = 'system:retention',
): Promise<void> {
  checkPolicy(dataClass, keepDays);
  if ('plan' in scope) {
    const { plan } = scope;
    if (plan.length < 1 || plan.length > 64) throw mobilityErrors.create('RETENTION_POLICY_INVALID', { details: { field: 'plan' } });
    await run(async () => {
      await operator.query('DELETE FROM tenantry.retention_policies WHERE data_class = $1 AND plan = $2', [dataClass, plan]);
      if (keepDays !== null) {
        await operator.query('INSERT INTO tenantry.retention_policies (plan, subject_tenant, data_class, keep_days, updated_at) VALUES ($1, NULL, $2, $3, $4)', [plan, dataClass, keepDays, clock.now()]);
      }
    });
    return;
  }
  const tenant = parseTenantId(scope.tenantId);
  await withAuditOperator(operator, tenant, async (tx) => {
    const { rows: [old] } = await tx.query<{ keepDays: number }>(
      'DELETE FROM tenantry.retention_policies WHERE data_class = $1 AND subject_tenant = $2 RETURNING keep_days AS "keepDays"', [dataClass, tenant]);
    if (keepDays !== null) {
      await tx.query('INSERT INTO tenantry.retention_policies (plan, subject_tenant, data_class, keep_days, updated_at) VALUES (NULL, $1, $2, $3, $4)', [tenant, dataClass, keepDays, clock.now()]);
    }
    await appendAuditEvent(tx, { actor, action: 'retention.policy.set', details: { dataClass, from: old?.keepDays ?? null, to: keepDays } }, { clock });
  });
}

const EFFECTIVE = `SELECT t.id::text AS tenant, c.data_class AS "dataClass", COALESCE(o.keep_days, p.keep_days) AS "keepDays",
       CASE WHEN o.keep_days IS NOT NULL THEN 'tenant' ELSE 'plan' END AS source
  FROM tenantry.tenants t CROSS JOIN unnest($1::text[]) AS c(data_class)
  LEFT JOIN tenantry.retention_policies o ON o.subject_tenant = t.id AND o.data_class = c.data_class
  LEFT JOIN tenantry.retention_policies p ON p.plan = t.plan AND p.data_class = c.data_class
 WHERE t.status <> 'deleted' AND COALESCE(o.keep_days, p.keep_days) IS NOT NULL AND ($2::uuid IS NULL OR t.id = $2)
 ORDER BY 1, 2`;

/** The policies in force for one tenant (its overrides, else its plan's). */
export async function retentionPolicies(operator: SqlPool, tenantId: TenantId | string): Promise<RetentionPolicy[]> {
  const { rows } = await run(() => operator.query<RetentionPolicy & { tenant: string }>(EFFECTIVE, [RETENTION_DATA_CLASSES, parseTenantId(tenantId)]));
  return rows.map(({ dataClass, keepDays, source }) => ({ dataClass, keepDays, source }));
}

export interface ApplyRetentionOptions {
  readonly operator: SqlPool;
  /** Where backups are kept; without it the `backups` class is left alone. */
  readonly backups?: BackupStore;
  readonly clock?: Clock;
  /** The job's actor in the audit log. Default `system:retention`. */
  readonly actor?: string;
}

export interface RetentionRun {
  readonly id: string;
  /** Deleted per tenant and class (rows, or backups). */
  readonly deleted: Readonly<Record<string, Partial<Record<RetentionDataClass, number>>>>;
}

/**
 * One run of the retention job over every tenant with a policy: deletes what is older than its
 * period at the clock's "now", audits it per tenant, and records the run.
 *
 * @example setInterval(() => void applyRetention({ operator, backups: store, clock }), 3_600_000);
 */
export async function applyRetention(options: ApplyRetentionOptions): Promise<RetentionRun> {
  const clock = options.clock ?? systemClock;
  const actor = options.actor ?? 'system:retention';
  const startedAt = clock.now();
  const { rows } = await run(() => options.operator.query<{ tenant: string; dataClass: RetentionDataClass; keepDays: number }>(EFFECTIVE, [RETENTION_DATA_CLASSES, null]));
  const byTenant = new Map<string, Array<{ dataClass: RetentionDataClass; keepDays: number }>>();
  for (const row of rows) byTenant.set(row.tenant, [...(byTenant.get(row.tenant) ?? []), row]);
  const deleted: Record<string, Partial<Record<RetentionDataClass, number>>> = {};
  for (const [tenant, policies] of byTenant) {
    const tenantId = parseTenantId(tenant);
    const counts: Partial<Record<RetentionDataClass, number>> = {};
    const cutoff = (days: number) => new Date(startedAt.getTime() - days * DAY_MS);
    for (const { dataClass, keepDays } of policies) {
      if (dataClass !== 'backups' || options.backups === undefined) continue;
      const old = (await options.backups.list(tenantId)).filter((b) => Date.parse(b.createdAt) < cutoff(keepDays).getTime());
      for (const b of old) await options.backups.delete(tenantId, b.id);
      counts.backups = old.length;
    }
    await withAuditOperator(options.operator, tenantId, async (tx) => {
      for (const { dataClass, keepDays } of policies) {
        if (dataClass === 'usage_events') counts.usage_events = (await tx.query('DELETE FROM tenantry.usage_events WHERE occurred_at < $1', [cutoff(keepDays)])).rowCount ?? 0;
        if (dataClass === 'activity') counts.activity = (await tx.query('DELETE FROM tenantry.tenant_activity WHERE subject_tenant = $1 AND bucket_start < $2', [tenantId, cutoff(keepDays)])).rowCount ?? 0;
      }
      if (Object.values(counts).some((n) => n > 0)) {
        await appendAuditEvent(tx, { actor, action: 'retention.apply', details: { deleted: counts, policies: Object.fromEntries(policies.map((p) => [p.dataClass, p.keepDays])) } }, { clock });
      }
    });
    deleted[tenant] = counts;
  }
  const id = randomUUID();
  await run(() => options.operator.query('INSERT INTO tenantry.retention_runs (id, started_at, finished_at, actor, deleted) VALUES ($1, $2, $3, $4, $5)', [id, startedAt, clock.now(), actor, JSON.stringify(deleted)]));
  return { id, deleted };
}
