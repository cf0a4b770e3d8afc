// bench/activity: what recording per-tenant activity costs a tenant request. Requests/s of a
// tenant-scoped endpoint (tenant by header, one row read under RLS) with the server's activity
// hooks and a real recorder flushing to PostgreSQL every second ÷ the same endpoint without
// them, in one Fastify app, driven in process (inject, 8 concurrent) in alternating ABBA
// batches of 200 requests; the median over rounds is reported, beside the ratio of a second,
// identical plain scope to the first (the noise floor of this harness on this machine).
// Also: ns per record() call, and the time of one flush of 1,000 tenants' buckets.
//   npm run bench -- activity            full: 200 tenants × 1,000 rows, 5 rounds × 20 ABBA pairs per variant
//   npm run bench -- activity --smoke    CI: 20 tenants × 50 rows, 1 round × 3 ABBA pairs
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance } from 'fastify';
import { newTenantId, runWithTenant, type TenantId } from 'tenantry';
import { fastifyProblemHandler, tenantryFastify } from 'tenantry/adapters/fastify';
import { createActivityRecorder } from 'tenantry/health';
import { cachedTenantLookup, createTenantResolver, headerStrategy } from 'tenantry/resolve';
import { recordTenantActivity } from '../packages/server/src/http/tenant-activity.js';
import { benchServer, median } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 5;
const PAIRS = smoke ? 3 : 20;

const server = await benchServer();
const { t, pickRow } = await isolationFixture(server, smoke ? 20 : 200, smoke ? 50 : 1000, 8);
try {
  const tenants = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
  const recorder = createActivityRecorder({ operator: t.operator, flushIntervalMs: 1000 });
  const app = Fastify({ logger: false });
  app.setErrorHandler(fastifyProblemHandler());
  const resolver = createTenantResolver({ strategies: [headerStrategy()], tenants: cachedTenantLookup(t.registry, { ttlMs: 5000 }) });
  // The two variants differ only by the activity hooks, registered as the server registers them.
  const scope = (record: boolean) => async (scoped: FastifyInstance) => {
    await scoped.register(tenantryFastify, { resolver });
    if (record) recordTenantActivity(scoped, recorder);
    scoped.get<{ Params: { id: string } }>('/items/:id', (request) =>
      t.db.withCurrentTenant(async (s) => (await s.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [Number(request.params.id)])).rows[0]),
    );
  };
  await app.register(scope(false), { prefix: '/plain' });
  // The same as /plain: its ratio to /plain is the harness's own noise floor, printed beside.
  await app.register(scope(false), { prefix: '/control' });
  await app.register(scope(true), { prefix: '/recorded' });
  await app.ready();
  // In process (app.inject), in short alternating batches: the machine is shared and noisy, and
  // per-batch pairing cancels most of it where whole-second autocannon runs swung 0.2–1.9.
  const batch = async (variant: 'plain' | 'control' | 'recorded'): Promise<number> => {
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 25; i += 1) {
        const res = await app.inject({ url: `/${variant}/items/${pickRow()}`, headers: { 'x-tenant': tenants[Math.floor(Math.random() * tenants.length)]! } });
        if (res.statusCode !== 200) throw new Error(`${variant}: ${res.statusCode}`);
      }
    }));
    return performance.now() - started;
  };
  const ratios: Record<'control' | 'recorded', number[]> = { control: [], recorded: [] };
  for (let i = 0; i < 5; i += 1) { await batch('plain'); await batch('control'); await batch('recorded'); }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const variant of ['control', 'recorded'] as const) {
      let plainMs = 0;
      let variantMs = 0;
      for (let pair = 0; pair < PAIRS; pair += 1) {
        plainMs += await batch('plain');
        variantMs += await batch(variant);
        variantMs += await batch(variant);
        plainMs += await batch('plain');
      }
      // Throughput ratio: time of the plain batches over time of the variant's.
      ratios[variant].push(plainMs / variantMs);
      const rps = (ms: number) => ((PAIRS * 2 * 200) / (ms / 1000)).toFixed(0);
      console.log(`round ${round + 1} ${variant}: plain ${rps(plainMs)} req/s, ${variant} ${rps(variantMs)} req/s, ratio ${(plainMs / variantMs).toFixed(3)}`);
    }
  }
  await app.close();
  await recorder.close();
  const { rows } = await t.admin.query<{ n: string }>('SELECT sum(requests)::text AS n FROM tenantry.tenant_activity');
  console.log(`requests recorded: ${rows[0]?.n ?? 0}`);

  // The hooks and record() on a route that does nothing else (no database): µs per request
  // added, from alternating runs of 1,000 sequential injects. The recorder never flushes here.
  const bare = Fastify({ logger: false });
  const quiet = createActivityRecorder({ operator: t.operator, flushIntervalMs: 0 });
  const bareScope = (record: boolean) => async (scoped: FastifyInstance) => {
    scoped.addHook('onRequest', (_request, _reply, done) => runWithTenant(tenants[0] as TenantId, () => done()));
    if (record) recordTenantActivity(scoped, quiet);
    scoped.get('/x', async () => ({ ok: true }));
  };
  await bare.register(bareScope(false), { prefix: '/plain' });
  await bare.register(bareScope(true), { prefix: '/recorded' });
  await bare.ready();
  const perRequestUs = async (variant: 'plain' | 'recorded', n: number) => {
    const started = performance.now();
    for (let i = 0; i < n; i += 1) await bare.inject({ url: `/${variant}/x` });
    return ((performance.now() - started) * 1000) / n;
  };
  const hookSamples: Record<'plain' | 'recorded', number[]> = { plain: [], recorded: [] };
  for (let i = 0; i < 3; i += 1) { await perRequestUs('plain', 1000); await perRequestUs('recorded', 1000); }
  for (let i = 0; i < (smoke ? 2 : 10); i += 1) {
    for (const variant of ['plain', 'recorded', 'recorded', 'plain'] as const) hookSamples[variant].push(await perRequestUs(variant, 1000));
  }
  const hooksUs = median(hookSamples.recorded) - median(hookSamples.plain);
  console.log(`route without database: plain ${median(hookSamples.plain).toFixed(1)} µs/request, recorded ${median(hookSamples.recorded).toFixed(1)} µs/request`);
  await bare.close();
  await quiet.close();

  // record() alone, on its common path (the tenant's current bucket exists), 100 tenants.
  const idle = createActivityRecorder({ operator: t.operator, flushIntervalMs: 0 });
  const ids = Array.from({ length: 100 }, () => newTenantId());
  const calls = smoke ? 200_000 : 2_000_000;
  const started = performance.now();
  for (let i = 0; i < calls; i += 1) idle.record(ids[i % 100]!, { statusCode: i % 50 === 0 ? 500 : 200, durationMs: i % 300 });
  const recordNs = ((performance.now() - started) * 1e6) / calls;
  await idle.close();

  // One flush of 1,000 tenants' buckets (one statement).
  const many = createActivityRecorder({ operator: t.operator, flushIntervalMs: 0 });
  for (let i = 0; i < 1000; i += 1) many.record(newTenantId(), { statusCode: 200, durationMs: 3 });
  const flushStart = performance.now();
  await many.close();
  const flush1000Ms = performance.now() - flushStart;
  console.log(`record(): ${recordNs.toFixed(0)} ns/call; flush of 1,000 tenants: ${flush1000Ms.toFixed(1)} ms`);
  console.log(JSON.stringify({ recorded_vs_plain: Number(median(ratios.recorded).toFixed(3)), control_vs_plain: Number(median(ratios.control).toFixed(3)), hooks_us_per_request: Number(hooksUs.toFixed(2)), record_ns: Math.round(recordNs), flush_1000_tenants_ms: Number(flush1000Ms.toFixed(1)) }));
} finally {
  await t.close();
  await server.stop();
}
