// The activity recorder against a real PostgreSQL: counts add up per tenant and 5-minute bucket
// across flushes and concurrent recorders (two server processes), a failed flush loses nothing,
// close() writes the rest, and the app role can neither read nor write the rollups. Recorders'
// clocks start at testNow (TENANTRY_TEST_NOW), so buckets are checked at any instant.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, newTenantId, type Clock, type TenantId } from '../core/index.js';
import { DEFAULT_ROLE_NAMES, roleUrl, type SqlPool } from '../postgres/index.js';
import { pgPool } from '../postgres/pg.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { ACTIVITY_BUCKET_MS, createActivityRecorder } from './activity-recorder.js';

let t: TestTenantry;
let operator2: SqlPool;
const NOW = new Date(inject('testNow'));
const at = (start: Date): Clock & { set(next: Date): void } => {
  let now = start;
  return { now: () => now, set(next) { now = next; } };
};

interface Stored { subject_tenant: string; bucket_start: Date; requests: string; server_errors: string; client_errors: string; latency_counts: string[] }
const stored = async (tenant: TenantId) =>
  (await t.admin.query<Stored>('SELECT * FROM tenantry.tenant_activity WHERE subject_tenant = $1 ORDER BY bucket_start', [tenant])).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
  const url = new URL(t.url);
  operator2 = pgPool({ connectionString: roleUrl(url.toString(), DEFAULT_ROLE_NAMES.operator, inject('rolePasswords').operator), max: 2 });
});
afterAll(async () => { await operator2?.end(); await t?.close(); });

describe('createActivityRecorder', () => {
  it('adds requests, 5xx, 4xx and latencies per tenant and 5-minute bucket, in one row each', async () => {
    // testNow's bucket, then the first instant of the next one.
    const bucket = NOW.getTime() - (NOW.getTime() % ACTIVITY_BUCKET_MS);
    const clock = at(NOW);
    const recorder = createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0 });
    const [a, b] = [newTenantId(), newTenantId()];
    recorder.record(a, { statusCode: 200, durationMs: 3 });
    recorder.record(a, { statusCode: 503, durationMs: 30 });
    recorder.record(a, { statusCode: 404, durationMs: 30 });
    recorder.record(b, { statusCode: 200, durationMs: 20_000 });
    clock.set(new Date(bucket + ACTIVITY_BUCKET_MS));
    recorder.record(a, { statusCode: 200, durationMs: 7 });
    expect(recorder.buffered).toBe(3);
    expect(await recorder.flush()).toEqual({ rows: 3, requests: 5 });
    expect(recorder.buffered).toBe(0);
    const rowsA = await stored(a);
    expect(rowsA.map((r) => [r.bucket_start.toISOString(), r.requests, r.server_errors, r.client_errors])).toEqual([
      [new Date(bucket).toISOString(), '3', '1', '1'],
      [new Date(bucket + ACTIVITY_BUCKET_MS).toISOString(), '1', '0', '0'],
    ]);
    expect(rowsA[0]?.latency_counts).toEqual(['1', '0', '0', '2', '0', '0', '0', '0', '0', '0', '0', '0']);
    expect((await stored(b))[0]?.latency_counts.at(-1)).toBe('1');
    await recorder.close();
  });

  it('adds to what earlier flushes and other processes wrote, even flushing at the same time', async () => {
    const clock = at(NOW);
    const tenants = Array.from({ length: 20 }, () => newTenantId());
    const recorders = [t.operator, operator2, t.operator, operator2].map((operator) => createActivityRecorder({ operator, clock, flushIntervalMs: 0 }));
    for (let round = 0; round < 3; round += 1) {
      recorders.forEach((recorder, i) => {
        // Each recorder sees the tenants in another order: lock order must not depend on it.
        const order = i % 2 === 0 ? tenants : [...tenants].reverse();
        for (const tenant of order) recorder.record(tenant, { statusCode: 200, durationMs: 1 });
      });
      await Promise.all(recorders.map((r) => r.flush()));
    }
    for (const tenant of tenants) expect((await stored(tenant)).map((r) => r.requests)).toEqual(['12']);
    await Promise.all(recorders.map((r) => r.close()));
  });

  it('keeps the counts of a failed flush and writes them with the next one', async () => {
    const clock = at(NOW);
    const recorder = createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0 });
    const tenant = newTenantId();
    recorder.record(tenant, { statusCode: 200, durationMs: 1 });
    await t.admin.query(`REVOKE INSERT ON tenantry.tenant_activity FROM ${DEFAULT_ROLE_NAMES.operator}`);
    try {
      const failed = await recorder.flush().then(() => undefined, (e: unknown) => e);
      expect(isTenantryError(failed) || failed instanceof Error).toBe(true);
      expect(recorder.buffered).toBe(1);
      recorder.record(tenant, { statusCode: 500, durationMs: 1 });
    } finally {
      await t.admin.query(`GRANT INSERT ON tenantry.tenant_activity TO ${DEFAULT_ROLE_NAMES.operator}`);
    }
    expect(await recorder.close()).toEqual({ rows: 1, requests: 2 });
    expect((await stored(tenant)).map((r) => [r.requests, r.server_errors])).toEqual([['2', '1']]);
  });

  it('writes a backlog larger than one statement in several, all of it', async () => {
    const recorder = createActivityRecorder({ operator: t.operator, clock: at(NOW), flushIntervalMs: 0 });
    const tenants = Array.from({ length: 2500 }, () => newTenantId());
    for (const tenant of tenants) recorder.record(tenant, { statusCode: 200, durationMs: 1 });
    expect(await recorder.close()).toEqual({ rows: 2500, requests: 2500 });
    const { rows } = await t.admin.query<{ n: string }>('SELECT count(*)::text AS n FROM tenantry.tenant_activity WHERE subject_tenant = ANY($1)', [tenants]);
    expect(rows[0]?.n).toBe('2500');
  });

  it('writes everything recorded before close() and refuses recording after it', async () => {
    const recorder = createActivityRecorder({ operator: t.operator, clock: at(NOW), flushIntervalMs: 60_000 });
    const tenant = newTenantId();
    for (let i = 0; i < 250; i += 1) recorder.record(tenant, { statusCode: 200, durationMs: i });
    await recorder.close();
    expect((await stored(tenant)).reduce((sum, r) => sum + Number(r.requests), 0)).toBe(250);
    expect(() => recorder.record(tenant, { statusCode: 200, durationMs: 1 })).toThrow(expect.objectContaining({ code: 'ACTIVITY_RECORDER_CLOSED' }));
  });

  it('drops the oldest entries past maxBufferedEntries and counts them', () => {
    const clock = at(NOW);
    const recorder = createActivityRecorder({ operator: t.operator, clock, flushIntervalMs: 0, maxBufferedEntries: 2 });
    for (let i = 0; i < 3; i += 1) recorder.record(newTenantId(), { statusCode: 200, durationMs: 1 });
    expect([recorder.buffered, recorder.dropped]).toEqual([2, 1]);
  });

  it('stores for each of many tenants exactly what was recorded for it, whichever recorder and flush carried it', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ tenant: fc.nat(11), recorder: fc.nat(1), status: fc.constantFrom(200, 201, 404, 429, 500, 503), flushAfter: fc.boolean() }), { maxLength: 120 }),
      async (events) => {
        const tenants = Array.from({ length: 12 }, () => newTenantId());
        const clock = at(NOW);
        const recorders = [t.operator, operator2].map((operator) => createActivityRecorder({ operator, clock, flushIntervalMs: 0 }));
        const model = tenants.map(() => ({ requests: 0, server: 0, client: 0 }));
        const flushes: Promise<unknown>[] = [];
        for (const e of events) {
          recorders[e.recorder]!.record(tenants[e.tenant]!, { statusCode: e.status, durationMs: 1 });
          const m = model[e.tenant]!;
          m.requests += 1;
          if (e.status >= 500) m.server += 1;
          else if (e.status >= 400) m.client += 1;
          if (e.flushAfter) flushes.push(recorders[e.recorder]!.flush());
        }
        await Promise.all([...flushes, ...recorders.map((r) => r.close())]);
        const { rows } = await t.admin.query<{ subject_tenant: string; requests: string; server_errors: string; client_errors: string }>(
          'SELECT subject_tenant, requests, server_errors, client_errors FROM tenantry.tenant_activity WHERE subject_tenant = ANY($1)', [tenants]);
        const stored = new Map(rows.map((r) => [r.subject_tenant, { requests: Number(r.requests), server: Number(r.server_errors), client: Number(r.client_errors) }]));
        tenants.forEach((tenant, i) => {
          expect(stored.get(tenant) ?? { requests: 0, server: 0, client: 0 }).toEqual(model[i]);
        });
      },
    ), { numRuns: 25 });
  });

  it('gives the app role no access to the rollups, even with a tenant in context', async () => {
    const [tenant] = (await t.registry.create({ slug: 'activity-app-role' }).then((x) => [x]));
    // A raw app-role connection with the tenant set, as a request that got past the guard would be.
    const attempt = (sql: string) => (async () => {
      const client = await t.app.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant!.id]);
        return await client.query(sql);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
    })().then(() => 'allowed', (e: unknown) => String((e as { code?: string }).code ?? e));
    expect(await attempt('SELECT count(*) FROM tenantry.tenant_activity')).toMatch(/42501|denied/);
    expect(await attempt(`INSERT INTO tenantry.tenant_activity VALUES ('${tenant!.id}', '2026-01-01T00:00:00Z', 1, 0, 0, 1, '{1,0,0,0,0,0,0,0,0,0,0,0}')`)).toMatch(/42501|denied/);
    expect(await attempt('SELECT count(*) FROM tenantry.operator_actions')).toMatch(/42501|denied/);
    expect(await attempt('SELECT count(*) FROM tenantry.alert_events')).toMatch(/42501|denied/);
  });
});
