// Per-tenant metrics: the exposition names at most N tenants plus `other` whatever the number of
// tenants, heavy tenants get their own series, and errors, rejections, usage and pools are counted.
import { randomUUID } from 'node:crypto';
import { isTenantryError } from '../core/index.js';
import { describe, expect, it } from 'vitest';
import { createTenantMetrics, NO_TENANT } from './tenant-metrics.js';
import { OTHER_TENANTS } from './tenant-labels.js';

/** The distinct values of the `tenant` label in an exposition text. */
function tenantValues(text: string): Set<string> {
  return new Set([...text.matchAll(/[{,]tenant="([^"]*)"/g)].map((m) => m[1] as string));
}

/** The value of one series line, e.g. `tenantry_http_requests_total{tenant="x",…}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const parts = inner.split(',');
    if (wanted.every((w) => parts.includes(w)) && parts.length === wanted.length) return Number(line.slice(line.indexOf('}') + 2));
  }
  return undefined;
}

describe('createTenantMetrics', () => {
  it('names at most N+1 tenant label values for 100,000 tenants, and the heavy tenants get their own', async () => {
    const n = 10;
    const metrics = createTenantMetrics({ topTenants: n, processMetrics: 'off' });
    const heavy = Array.from({ length: 3 }, () => randomUUID());
    for (let i = 0; i < 100_000; i++) {
      const tenant = i % 4 === 0 ? (heavy[(i / 4) % 3] as string) : randomUUID();
      metrics.observeRequest(tenant, 'GET', '/v1/tenant/items/:id', 200, 0.003);
      metrics.databaseObserver.onStatement?.({ tenantId: tenant as never, durationMs: 1, error: undefined, inTransaction: false });
      if (i % 50 === 0) metrics.countError(tenant, 'RATE_LIMITED');
    }
    const text = await metrics.exposition();
    const values = tenantValues(text);
    expect(values.size).toBeLessThanOrEqual(n + 1);
    expect(values).toContain(OTHER_TENANTS);
    for (const tenant of heavy) expect(values).toContain(tenant);
    // Requests of every tenant are counted, labelled or not.
    const total = [...values].reduce((sum, t) => sum + (sample(text, 'tenantry_http_requests_total', { tenant: t, method: 'GET', route: '/v1/tenant/items/:id', status: '200' }) ?? 0), 0);
    expect(total).toBe(100_000);
  });

  it('keeps the bound across re-evaluations by removing the series of tenants that lost their label', async () => {
    const metrics = createTenantMetrics({ topTenants: 2, admitAfter: 1, processMetrics: 'off' });
    const seen = new Set<string>();
    for (let phase = 0; phase < 5; phase++) {
      const hot = [randomUUID(), randomUUID()];
      for (let i = 0; i < 200; i++) metrics.observeRequest(hot[i % 2], 'GET', '/r', 200, 0.01);
      for (const t of hot) seen.add(t);
      metrics.relabel();
      metrics.setUsage(hot[0] as string, 'api_calls', 42);
      const values = tenantValues(await metrics.exposition());
      expect(values.size).toBeLessThanOrEqual(3);
      expect(values).toEqual(new Set([...hot, OTHER_TENANTS].filter((v) => values.has(v))));
    }
    expect(seen.size).toBe(10);
  });

  it('counts errors by code, and RATE_LIMITED and QUOTA_EXCEEDED as rejections', async () => {
    const metrics = createTenantMetrics({ topTenants: 1, admitAfter: 1, processMetrics: 'off' });
    const tenant = randomUUID();
    metrics.observeRequest(tenant, 'POST', '/v1/tenant/usage-events', 429, 0.001);
    metrics.countError(tenant, 'RATE_LIMITED');
    metrics.countError(tenant, 'RATE_LIMITED');
    metrics.countError(tenant, 'QUOTA_EXCEEDED');
    metrics.countError(undefined, 'TOKEN_INVALID');
    metrics.countError(tenant, 'not a code"}\n');
    const text = await metrics.exposition();
    expect(sample(text, 'tenantry_http_errors_total', { tenant, code: 'RATE_LIMITED' })).toBe(2);
    expect(sample(text, 'tenantry_rate_limit_rejections_total', { tenant })).toBe(2);
    expect(sample(text, 'tenantry_quota_rejections_total', { tenant })).toBe(1);
    expect(sample(text, 'tenantry_http_errors_total', { tenant: NO_TENANT, code: 'TOKEN_INVALID' })).toBe(1);
    expect(text).not.toContain('not a code');
  });

  it('records usage for labelled tenants only, and pool sizes at scrape time', async () => {
    const metrics = createTenantMetrics({ topTenants: 1, admitAfter: 1, processMetrics: 'off' });
    const [labelled, unlabelled] = [randomUUID(), randomUUID()];
    metrics.observeRequest(labelled, 'GET', '/r', 200, 0.01);
    metrics.observeRequest(unlabelled, 'GET', '/r', 200, 0.01);
    metrics.setUsage(labelled, 'storage_bytes', 1024);
    metrics.setUsage(unlabelled, 'storage_bytes', 4096);
    let waiting = 0;
    metrics.observePools({ app: () => ({ totalCount: 10, idleCount: 7, waitingCount: waiting }), gone: () => undefined });
    waiting = 3;
    const text = await metrics.exposition();
    expect(sample(text, 'tenantry_tenant_usage', { tenant: labelled, meter: 'storage_bytes' })).toBe(1024);
    expect(text).not.toContain('4096');
    expect(sample(text, 'tenantry_db_pool_connections', { pool: 'app', state: 'idle' })).toBe(7);
    expect(sample(text, 'tenantry_db_pool_waiting', { pool: 'app' })).toBe(3);
    expect(text).not.toContain('pool="gone"');
  });

  it('reports caches and fair admission at scrape time', async () => {
    const metrics = createTenantMetrics({ processMetrics: 'off' });
    let entries = 1;
    metrics.observeCaches({ tenants: () => ({ entries, maxEntries: 10_000, hits: 40, misses: 2, evictions: 1 }), gone: () => undefined });
    metrics.observeAdmission(() => ({ capacity: 10, inUse: 10, waiting: 7, tenantsWaiting: 2 }));
    entries = 9;
    const text = await metrics.exposition();
    expect(sample(text, 'tenantry_cache_entries', { cache: 'tenants' })).toBe(9);
    expect(sample(text, 'tenantry_cache_max_entries', { cache: 'tenants' })).toBe(10_000);
    expect(sample(text, 'tenantry_cache_evictions', { cache: 'tenants' })).toBe(1);
    expect(text).not.toContain('cache="gone"');
    expect(sample(text, 'tenantry_db_admission', { state: 'waiting' })).toBe(7);
    expect(sample(text, 'tenantry_db_admission', { state: 'tenants_waiting' })).toBe(2);
  });

  it('measures database time and transactions per tenant', async () => {
    const metrics = createTenantMetrics({ topTenants: 1, admitAfter: 1, processMetrics: 'off' });
    const tenantId = randomUUID() as never;
    metrics.databaseObserver.onStatement?.({ tenantId, durationMs: 250, error: undefined, inTransaction: false });
    metrics.databaseObserver.onStatement?.({ tenantId, durationMs: 750, error: new Error('x'), inTransaction: true });
    metrics.databaseObserver.onTransaction?.({ tenantId, durationMs: 800, outcome: 'rollback', error: new Error('x') });
    const text = await metrics.exposition();
    expect(sample(text, 'tenantry_db_statement_duration_seconds_sum', { tenant: tenantId })).toBe(1);
    expect(sample(text, 'tenantry_db_statement_duration_seconds_count', { tenant: tenantId })).toBe(2);
    expect(sample(text, 'tenantry_db_statement_errors_total', { tenant: tenantId })).toBe(1);
    expect(sample(text, 'tenantry_db_transaction_duration_seconds_count', { tenant: tenantId, outcome: 'rollback' })).toBe(1);
  });

  it('keeps each instance in its own registry, with process metrics when asked', async () => {
    const a = createTenantMetrics();
    const b = createTenantMetrics({ processMetrics: 'off' });
    expect(await a.exposition()).toContain('process_cpu_user_seconds_total');
    expect(await b.exposition()).not.toContain('process_cpu_user_seconds_total');
  });

  it('rejects unknown and out-of-range options, naming them', () => {
    for (const [options, path] of [[{ topTenant: 3 }, 'topTenant'], [{ topTenants: -1 }, 'topTenants'], [{ relabelIntervalMs: 0.5 }, 'relabelIntervalMs']] as const) {
      try {
        createTenantMetrics(options as never);
        expect.unreachable();
      } catch (err) {
        expect(isTenantryError(err, 'CONFIG_INVALID') && err.details.path).toBe(path);
      }
    }
  });
});
