// bench/activity: what recording per-tenant activity costs a tenant request. Requests/s of a
// tenant-scoped endpoint (tenant by header, one row read under RLS) with the server's activity
// hooks and a real recorder flushing to PostgreSQL every second ÷ the same endpoint without
// them, both on one server, load from a separate process (autocannon). ABBA rounds, medians.
// Also: ns per record() call, and the time of one flush of 1,000 tenants' buckets.
//   npm run bench -- activity            full: 200 tenants × 1,000 rows, 5 rounds × 2 × 2 s
//   npm run bench -- activity --smoke    CI: 20 tenants × 50 rows, 1 round × 2 × 1 s
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { newTenantId } from 'tenantry';
import { fastifyProblemHandler, tenantryFastify } from 'tenantry/adapters/fastify';
import { createActivityRecorder } from 'tenantry/health';
import { cachedTenantLookup, createTenantResolver, headerStrategy } from 'tenantry/resolve';
import { recordTenantActivity } from '../packages/server/src/http/tenant-activity.js';
import { benchServer, median } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 5;
const SECONDS = smoke ? 1 : 2;

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
  await app.register(scope(true), { prefix: '/recorded' });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-activity-'));

  const load = async (variant: 'plain' | 'recorded'): Promise<number> => {
    const config = join(dir, `${variant}.json`);
    const requests = tenants.flatMap((id) => Array.from({ length: 5 }, () => ({ path: `/${variant}/items/${pickRow()}`, headers: { 'x-tenant': id } })));
    writeFileSync(config, JSON.stringify({ url: address, durationSec: SECONDS, connections: 8, requests }));
    const { stdout } = await promisify(execFile)(process.execPath, [new URL('./support/http-load.mjs', import.meta.url).pathname, config], { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { rps: number; errors: number; non2xx: number };
    if (result.errors > 0 || result.non2xx > 0) throw new Error(`${variant}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
    return result.rps;
  };

  const ratios: number[] = [];
  await load('plain');
  await load('recorded');
  for (let round = 0; round < ROUNDS; round += 1) {
    const p1 = await load('plain');
    const r1 = await load('recorded');
    const r2 = await load('recorded');
    const p2 = await load('plain');
    ratios.push((r1 + r2) / (p1 + p2));
    console.log(`round ${round + 1}: plain ${((p1 + p2) / 2).toFixed(0)} req/s, recorded ${((r1 + r2) / 2).toFixed(0)} req/s, ratio ${((r1 + r2) / (p1 + p2)).toFixed(3)}`);
  }
  await app.close();
  await recorder.close();
  const { rows } = await t.admin.query<{ n: string }>('SELECT sum(requests)::text AS n FROM tenantry.tenant_activity');
  console.log(`requests recorded: ${rows[0]?.n ?? 0}`);

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
  console.log(JSON.stringify({ recorded_vs_plain: Number(median(ratios).toFixed(3)), record_ns: Math.round(recordNs), flush_1000_tenants_ms: Number(flush1000Ms.toFixed(1)) }));
} finally {
  await t.close();
  await server.stop();
}
