// The status and alert rules on database load: a hot tenant is degraded or failing, and fires a
// dbLoad rule, however few requests it answered (its load may come from jobs).
import { describe, expect, it } from 'vitest';
import { newTenantId } from '../core/index.js';
import { checkAlertRules, firingValue } from './alert-rules.js';
import { DEFAULT_HEALTH_THRESHOLDS, healthStatus } from './tenant-health.js';

const quiet = { errorRate: 0, p95Ms: null, quotaPressure: null, requests: 0 };

describe('dbLoad', () => {
  it('makes a tenant degraded from 1 busy connection and failing from 2, even without requests', () => {
    expect([0.5, 1, 1.9, 2, 6].map((dbLoad) => healthStatus({ ...quiet, dbLoad }, DEFAULT_HEALTH_THRESHOLDS, 10))).toEqual(['ok', 'degraded', 'degraded', 'failing', 'failing']);
    // The request-based metrics still wait for minRequests.
    expect(healthStatus({ ...quiet, errorRate: 1, dbLoad: 0 }, DEFAULT_HEALTH_THRESHOLDS, 10)).toBe('ok');
  });

  it('fires a rule on dbLoad above its threshold', () => {
    const [rule] = checkAlertRules([{ name: 'hot-tenant', metric: 'dbLoad', threshold: 2 }]);
    const measure = { tenantId: newTenantId(), slug: 'hot', plan: 'free', status: 'failing' as const, failedJobs: null, ...quiet };
    expect(firingValue(rule!, { ...measure, dbLoad: 2 })).toBeUndefined();
    expect(firingValue(rule!, { ...measure, dbLoad: 3.5 })).toBe(3.5);
  });
});
