// Cross-tenant analytics and per-tenant health against a real PostgreSQL: each answer checked
// against a model built from what the test recorded, and every read recorded as an operator
// action in the read's own transaction. NOW is testNow (TENANTRY_TEST_NOW): the expected days,
// hours and windows are derived from it, so the answers are checked at any instant.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock, Tenant } from '../core/index.js';
import { DEFAULT_ROLE_NAMES, roleUrl } from '../postgres/index.js';
import { pgPool } from '../postgres/pg.js';
import { createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { ACTIVITY_BUCKET_MS, createActivityRecorder } from './activity-recorder.js';
import { createTenantAnalytics } from './tenant-analytics.js';
import { createTenantHealth } from './tenant-health.js';

const NOW = new Date(inject('testNow'));
const clock: Clock = { now: () => NOW };
const ago = (ms: number): Clock => ({ now: () => new Date(NOW.getTime() - ms) });
const MIN = 60_000;
const DAY = 86_400_000;
const dayAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10);
const hourAgo = (ms: number) => new Date(NOW.getTime() - ms).getUTCHours();
const reader = { actor: 'operator:ann', requestId: 'req-1' };

let t: TestTenantry;
let tenants: Record<'busy' | 'failing' | 'slow' | 'idle' | 'old' | 'gone' | 'paused' | 'left', Tenant>;

async function record(tenant: Tenant, when: Clock, n: number, statusCode: number, durationMs: number): Promise<void> {
  const recorder = createActivityRecorder({ operator: t.operator, clock: when, flushIntervalMs: 0 });
  for (let i = 0; i < n; i += 1) recorder.record(tenant.id, { statusCode, durationMs });
  await recorder.close();
}

const actions = async () => (await t.admin.query<{ actor: string; action: string; subject_tenant: string | null; request_id: string; details: unknown }>(
  'SELECT actor, action, subject_tenant, request_id, details FROM tenantry.operator_actions ORDER BY occurred_at, id')).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  const make = (slug: string, plan: string, region: string) => t.registry.create({ slug, plan, region });
  tenants = {
    busy: await make('busy', 'pro', 'eu'),
    failing: await make('failing', 'pro', 'eu'),
    slow: await make('slow', 'free', 'us'),
    idle: await make('idle', 'free', 'us'),
    old: await make('old', 'free', 'us'),
    gone: await make('gone', 'free', 'eu'),
    paused: await make('paused', 'pro', 'us'),
    left: await make('left', 'free', 'eu'),
  };
  await t.registry.suspend(tenants.paused.id);
  await t.registry.offboard(tenants.gone.id);
  await t.registry.offboard(tenants.left.id);
  await t.registry.delete(tenants.left.id);
  // Creation and churn days relative to NOW.
  await t.admin.query(`UPDATE tenantry.tenants SET created_at = $2 WHERE id = ANY($1)`, [[tenants.old.id, tenants.left.id], new Date(NOW.getTime() - 40 * DAY)]);
  await t.admin.query(`UPDATE tenantry.tenants SET created_at = $2 WHERE id = ANY($1)`, [[tenants.busy.id, tenants.failing.id], new Date(NOW.getTime() - 2 * DAY)]);
  await t.admin.query(`UPDATE tenantry.tenants SET created_at = $2 WHERE id = ANY($1)`, [[tenants.slow.id, tenants.idle.id, tenants.gone.id, tenants.paused.id], new Date(NOW.getTime() - 3 * DAY)]);
  // The status history the trigger wrote, moved to days relative to NOW: gone started offboarding
  // yesterday; left started 4 days ago and was deleted 2 days ago (churn counts the first day).
  const moveHistory = (tenant: Tenant, status: string, ms: number) =>
    t.admin.query(`UPDATE tenantry.tenant_status_changes SET changed_at = $3 WHERE subject_tenant = $1 AND to_status = $2`, [tenant.id, status, new Date(NOW.getTime() - ms)]);
  await moveHistory(tenants.gone, 'offboarding', 1 * DAY);
  await moveHistory(tenants.left, 'offboarding', 4 * DAY);
  await moveHistory(tenants.left, 'deleted', 2 * DAY);

  // Traffic: busy now and 3 days 3 hours ago; failing now; slow now; old 20 days ago; gone 6 days ago.
  await record(tenants.busy, ago(2 * MIN), 100, 200, 20);
  await record(tenants.busy, ago(3 * DAY + 3 * 60 * MIN), 50, 200, 20);
  await record(tenants.failing, ago(1 * MIN), 60, 503, 40);
  await record(tenants.failing, ago(1 * MIN), 40, 200, 40);
  await record(tenants.slow, ago(4 * MIN), 30, 200, 4000);
  await record(tenants.old, ago(20 * DAY), 7, 200, 1);
  await record(tenants.gone, ago(6 * DAY), 5, 500, 1);
  // Outside the 15-minute health window, inside the day.
  await record(tenants.idle, ago(3 * 60 * MIN), 9, 500, 1);
});
afterAll(() => t?.close());

describe('createTenantAnalytics', () => {
  const analytics = () => createTenantAnalytics({ operator: t.operator, clock, minRequestsForErrorRate: 5 });

  it('distributes tenants by status, and live ones by plan, tier and region', async () => {
    expect(await analytics().distribution(reader)).toEqual({
      byStatus: { active: 5, suspended: 1, offboarding: 1, deleted: 1 },
      byPlan: { pro: 3, free: 4 },
      byTier: { pooled: 7 },
      byRegion: { eu: 3, us: 4 },
    });
  });

  it('counts tenants created and churned (started offboarding) per UTC day, every day of the window present', async () => {
    const { points } = await analytics().growth({ days: 5 }, reader);
    expect(points).toEqual([
      { day: dayAgo(4), created: 0, churned: 1 },
      { day: dayAgo(3), created: 4, churned: 0 },
      { day: dayAgo(2), created: 2, churned: 0 },
      { day: dayAgo(1), created: 0, churned: 1 },
      { day: dayAgo(0), created: 0, churned: 0 },
    ]);
    expect((await analytics().growth({}, reader)).points).toHaveLength(90);
    // The trigger recorded every transition of the registry, with its author's time.
    const { rows } = await t.admin.query<{ from_status: string; to_status: string }>(
      'SELECT from_status, to_status FROM tenantry.tenant_status_changes WHERE subject_tenant = $1 ORDER BY changed_at', [tenants.left.id]);
    expect(rows.map((r) => `${r.from_status}→${r.to_status}`).sort()).toEqual(['active→offboarding', 'offboarding→deleted', 'provisioning→active']);
  });

  it('counts tenants with requests in the last 1, 7 and 30 days', async () => {
    // d1: busy, failing, slow, idle; d7: + gone (and busy's older traffic); d30: + old.
    expect(await analytics().active(reader)).toEqual({ d1: 4, d7: 5, d30: 6 });
  });

  it('ranks live tenants by requests and by 5xx rate, leaving out those under the minimum', async () => {
    expect((await analytics().top({ by: 'usage', limit: 3 }, reader)).items).toEqual([
      { tenantId: tenants.busy.id, slug: 'busy', value: 150 },
      { tenantId: tenants.failing.id, slug: 'failing', value: 100 },
      { tenantId: tenants.slow.id, slug: 'slow', value: 30 },
    ]);
    // idle: 9/9 failed; gone (offboarding, still live): 5/5, fewer errors; failing: 60/100.
    expect((await analytics().top({ by: 'errors' }, reader)).items).toEqual([
      { tenantId: tenants.idle.id, slug: 'idle', value: 1 },
      { tenantId: tenants.gone.id, slug: 'gone', value: 1 },
      { tenantId: tenants.failing.id, slug: 'failing', value: 0.6 },
    ]);
    expect((await analytics().top({ by: 'errors', days: 1 }, reader)).items.map((i) => i.slug)).toEqual(['idle', 'failing']);
  });

  it('adds requests up per UTC hour of day over the window', async () => {
    const { points } = await analytics().usageByHour({ days: 7 }, reader);
    expect(points.map((p) => p.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    const expected = new Array<number>(24).fill(0);
    const add = (ms: number, requests: number) => (expected[hourAgo(ms)] = (expected[hourAgo(ms)] ?? 0) + requests);
    add(2 * MIN, 100); // busy
    add(1 * MIN, 40 + 60); // failing
    add(4 * MIN, 30); // slow
    add(3 * 60 * MIN, 9); // idle
    add(3 * DAY + 3 * 60 * MIN, 50); // busy, 3 days before
    add(6 * DAY, 5); // gone; old's 20 days are outside the window
    expect(points.map((p) => p.requests)).toEqual(expected);
  });

  it('refuses out-of-range queries with HEALTH_QUERY_INVALID naming the field', async () => {
    await expect(analytics().growth({ days: 0 }, reader)).rejects.toMatchObject({ code: 'HEALTH_QUERY_INVALID', details: { field: 'days' } });
    await expect(analytics().top({ by: 'money' as 'usage' }, reader)).rejects.toMatchObject({ code: 'HEALTH_QUERY_INVALID', details: { field: 'by' } });
  });

  it('records each read as an operator action with its actor, request id and parameters', async () => {
    const before = (await actions()).length;
    await analytics().growth({ days: 3 }, { actor: 'operator:bob', requestId: 'req-77' });
    const after = await actions();
    expect(after).toHaveLength(before + 1);
    expect(after.find((a) => a.request_id === 'req-77')).toEqual({ actor: 'operator:bob', action: 'analytics.growth', subject_tenant: null, request_id: 'req-77', details: { days: 3 } });
    // Append-only, even for the operator role that writes it.
    await expect(t.operator.query('DELETE FROM tenantry.operator_actions')).rejects.toBeDefined();
    await expect(t.operator.query(`UPDATE tenantry.operator_actions SET actor = 'x'`)).rejects.toBeDefined();
  });
});

describe('createTenantHealth', () => {
  const health = (options: Partial<Parameters<typeof createTenantHealth>[0]> = {}) => createTenantHealth({ operator: t.operator, clock, ...options });

  it('reports active tenants over the window, failing first, with error rate, p95 and status', async () => {
    const { items, window } = await health().list({}, reader);
    // From the start of the bucket 15 minutes ago.
    const from = NOW.getTime() - 15 * MIN;
    expect(window).toEqual({ start: new Date(from - (from % ACTIVITY_BUCKET_MS)).toISOString(), end: NOW.toISOString(), minutes: 15 });
    const bySlug = Object.fromEntries(items.map((i) => [i.slug, i]));
    expect(Object.keys(bySlug).sort()).toEqual(['busy', 'failing', 'idle', 'old', 'slow']);
    expect(items[0]?.slug).toBe('failing');
    expect(bySlug.failing).toMatchObject({ status: 'failing', errorRate: 0.6, requests: 100, quotaPressure: null, failedJobs: null });
    expect(bySlug.failing?.p95Ms).toBeGreaterThan(25);
    expect(bySlug.failing?.p95Ms).toBeLessThanOrEqual(50);
    expect(bySlug.slow).toMatchObject({ status: 'degraded', errorRate: 0 });
    expect(bySlug.busy).toMatchObject({ status: 'ok', errorRate: 0, requests: 100 });
    // idle's failures are 3 hours old: outside the window.
    expect(bySlug.idle).toMatchObject({ status: 'ok', requests: 0, p95Ms: null });
  });

  it('takes quota pressure from the injected reader and survives one that throws', async () => {
    const pressure = health({ quotaPressure: async (subjects) => new Map(subjects.map((s) => [s.id, s.plan === 'pro' ? 1.2 : 0.1])) });
    const one = await pressure.get(tenants.busy.id, reader);
    expect(one).toMatchObject({ slug: 'busy', status: 'failing', quotaPressure: 1.2, window: { minutes: 15 } });
    const errors: unknown[] = [];
    const broken = health({ quotaPressure: () => Promise.reject(new Error('quota down')), onQuotaError: (e) => errors.push(e) });
    expect(await broken.get(tenants.busy.id, reader)).toMatchObject({ status: 'ok', quotaPressure: null });
    expect(errors).toHaveLength(1);
  });

  it('lets few requests not decide the status, and honours configured thresholds and windows', async () => {
    expect((await health({ minRequests: 1000 }).get(tenants.failing.id, reader)).status).toBe('ok');
    expect((await health({ thresholds: { errorRate: { degraded: 0.5, failing: 0.9 } } }).get(tenants.failing.id, reader)).status).toBe('degraded');
    expect(await health({ windowMinutes: 240 }).get(tenants.idle.id, reader)).toMatchObject({ requests: 9, errorRate: 1, status: 'ok' });
    expect(() => health({ thresholds: { p95Ms: { degraded: 10, failing: 1 } } })).toThrow(expect.objectContaining({ code: 'HEALTH_OPTIONS_INVALID' }));
  });

  it('answers TENANT_NOT_FOUND for an unknown tenant and records the read of one tenant with its id', async () => {
    await expect(health().get('00000000-0000-4000-8000-000000000000', reader)).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await health().get(tenants.slow.id, { actor: 'operator:cy', requestId: 'req-slow' });
    expect((await actions()).find((a) => a.request_id === 'req-slow')).toMatchObject({ actor: 'operator:cy', action: 'health.get', subject_tenant: tenants.slow.id });
  });
});

// Regression: "the last N days" was `now - interval 'N days'`, which PostgreSQL counts in the
// session's TimeZone: across a change to summer time there, one day was 23 hours and a request
// 23.5 hours old fell out of d1. The instant is the change itself, so it is fixed, not testNow.
describe('createTenantAnalytics in a session whose TimeZone has daylight saving time', () => {
  it('counts a day as 24 hours, also the day the clocks went forward', async () => {
    // Europe/Berlin went from UTC+1 to UTC+2 at 2027-03-28T01:00Z.
    const clock = createTestClock('2027-03-28T12:00:00Z');
    const berlin = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, clock });
    const database = new URL(berlin.url).pathname.slice(1);
    await berlin.admin.query(`ALTER DATABASE "${database}" SET TimeZone = 'Europe/Berlin'`);
    // Opened after the ALTER: its sessions start in Europe/Berlin.
    const operator = pgPool({ connectionString: roleUrl(berlin.url, DEFAULT_ROLE_NAMES.operator, inject('rolePasswords').operator), max: 2 });
    try {
      expect((await operator.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]?.TimeZone).toBe('Europe/Berlin');
      const tenant = berlin.tenants[0]!;
      const recorder = createActivityRecorder({ operator, clock: { now: () => new Date(clock.now().getTime() - 23.5 * 60 * MIN) }, flushIntervalMs: 0 });
      for (let i = 0; i < 3; i += 1) recorder.record(tenant.id, { statusCode: 200, durationMs: 1 });
      await recorder.close();
      const analytics = createTenantAnalytics({ operator, clock });
      expect(await analytics.active(reader)).toEqual({ d1: 1, d7: 1, d30: 1 });
      expect((await analytics.top({ by: 'usage', days: 1 }, reader)).items).toEqual([{ tenantId: tenant.id, slug: tenant.slug, value: 3 }]);
      expect((await analytics.usageByHour({ days: 1 }, reader)).points.find((p) => p.hour === 12)?.requests).toBe(3);
    } finally {
      await operator.end();
      await berlin.close();
    }
  });
});
