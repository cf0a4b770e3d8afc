// Alert rules: a threshold on one health metric, for every tenant or only some plans or
// tenants. Configuration, not data: rules come from the deployment's config, checked once.
import { healthErrors } from './errors.js';
import { HEALTH_METRICS, type HealthMetric, type TenantHealthMeasure } from './tenant-health.js';

export interface AlertRule {
  /** Stable name, stored with each event: `high-error-rate`. */
  readonly name: string;
  readonly metric: HealthMetric;
  /** The rule fires while the metric is strictly above this. */
  readonly threshold: number;
  /** Fires only with at least this many requests in the window (error rate, p95). Default 0. */
  readonly minRequests?: number;
  /** Limits the rule to tenants on these plans. */
  readonly plans?: readonly string[];
  /** Limits the rule to these tenant ids. */
  readonly tenantIds?: readonly string[];
}

const NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;

/**
 * Validates rules (unknown metric, bad threshold, duplicate name → HEALTH_OPTIONS_INVALID).
 *
 * @example checkAlertRules([{ name: 'errors', metric: 'errorRate', threshold: 0.1, plans: ['pro'] }]);
 */
export function checkAlertRules(rules: readonly AlertRule[]): readonly AlertRule[] {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const fail = (field: string, reason: string) => healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: `rules[${i}].${field}`, reason } });
    if (typeof rule.name !== 'string' || !NAME.test(rule.name)) throw fail('name', 'must match ^[a-z][a-z0-9_.:-]{0,63}$');
    if (seen.has(rule.name)) throw fail('name', 'is used by another rule');
    seen.add(rule.name);
    if (!HEALTH_METRICS.includes(rule.metric)) throw fail('metric', `must be one of ${HEALTH_METRICS.join(', ')}`);
    if (!Number.isFinite(rule.threshold)) throw fail('threshold', 'must be a finite number');
    if (rule.minRequests !== undefined && (!Number.isSafeInteger(rule.minRequests) || rule.minRequests < 0)) throw fail('minRequests', 'must be an integer ≥ 0');
  });
  return Object.freeze(rules.map((rule) => Object.freeze({ ...rule })));
}

/**
 * The value that makes `rule` fire for this tenant, or undefined when it does not apply or
 * stays at or under its threshold.
 *
 * @example firingValue(rule, measure) // 0.31
 */
export function firingValue(rule: AlertRule, tenant: TenantHealthMeasure): number | undefined {
  if (rule.plans && !rule.plans.includes(tenant.plan)) return undefined;
  if (rule.tenantIds && !rule.tenantIds.includes(tenant.tenantId)) return undefined;
  if (tenant.requests < (rule.minRequests ?? 0)) return undefined;
  const value = tenant[rule.metric];
  return value !== null && value > rule.threshold ? value : undefined;
}
