// bench/telemetry: requests/s of bench/http's tenant-scoped endpoint (tenant from a header, one
// row read under RLS) with the server's telemetry ÷ the same endpoint with none of it, in two
// configurations:
//   telemetry_on_off  the shipped defaults: what `tenantry start` builds from an empty
//                     configuration (serverTelemetry(resolveConfig())): no metrics, parent-based
//                     tracing (the load sends no traceparent: no spans), the request context and
//                     one JSON access line per request at info, pino to /dev/null
//   all_on_off        everything on: per-tenant metrics (requests, latency, database time), the
//                     access log, and a span per request and per tenant statement through a
//                     registered tracer provider that samples every trace
// Three apps on one server process, the load from a separate autocannon process; rounds run
// off, defaults, all, all, defaults, off; the median ratios are reported. Beside them, the
// server process's CPU time per request (off ÷ on): on a shared machine the req/s ratio swings
// with the neighbours' load, the CPU cost per request much less.
//   npm run bench -- telemetry            full: 200 tenants × 1,000 rows, 9 rounds × 6 × 1.5 s
//   npm run bench -- telemetry --smoke    CI: 20 tenants × 50 rows, 1 round × 6 × 1 s
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as OtelApi from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { fastifyProblemHandler, tenantryFastify } from 'tenantry/adapters/fastify';
import { createTenantDatabase, type TenantDatabase } from 'tenantry/postgres';
import { cachedTenantLookup, createTenantResolver, headerStrategy } from 'tenantry/resolve';
import { AsyncLocalStorageContextManager } from 'tenantry/testing';
import { AccessLog, serverTelemetry, telemetryPlugin, type ServerTelemetry } from '../packages/server/src/http/telemetry.js';
import { resolveConfig } from '../packages/server/src/config.js';
import { accessLogger, createLogger } from '../packages/server/src/logger.js';
import { benchServer, median } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 9;
const SECONDS = smoke ? 1 : 1.5;

// The API copy the server and the library resolve (packages/*/node_modules): the global tracer
// provider and context manager must be registered through it, as an application's own SDK
// setup would be with a single, deduplicated copy.
const otel = createRequire(new URL('../packages/server/package.json', import.meta.url))('@opentelemetry/api') as typeof OtelApi;
let spansEnded = 0;
// No-op-ish: the SDK builds and ends every span; nothing is exported.
const countingProcessor: SpanProcessor = {
  onStart: () => {},
  onEnd: () => void (spansEnded += 1),
  forceFlush: async () => {},
  shutdown: async () => {},
};
otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager(otel.ROOT_CONTEXT));
otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [countingProcessor] }));
// As the Node SDK registers it; the load carries no traceparent, so parent-based tracing (the
// shipped default) traces none of it, and "all on" traces every request as a root.
otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const server = await benchServer();
const { t, pickRow } = await isolationFixture(server, smoke ? 20 : 200, smoke ? 50 : 1000, 8);
try {
  const tenants = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
  const everything = serverTelemetry({ metrics: 'open', metricsTopTenants: 20, tracing: 'on' });
  const { metrics } = everything;
  if (!metrics || !everything.tracer || !everything.databaseObserver) throw new Error('telemetry was not built');
  const shipped = serverTelemetry(resolveConfig());

  /** bench/http's tenant-scoped endpoint on an app of its own. */
  async function scopedApp(app: FastifyInstance, db: TenantDatabase): Promise<string> {
    app.setErrorHandler(fastifyProblemHandler());
    await app.register(
      async (scoped) => {
        await scoped.register(tenantryFastify, {
          resolver: createTenantResolver({ strategies: [headerStrategy()], tenants: cachedTenantLookup(t.registry, { ttlMs: 5000 }) }),
        });
        scoped.get<{ Params: { id: string } }>('/items/:id', (request) =>
          db.withCurrentTenant(async (scope) => (await scope.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [Number(request.params.id)])).rows[0]),
        );
      },
      { prefix: '/t' },
    );
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  // Request ids as the server makes them, in all: they are not telemetry.
  const off = Fastify({ logger: false, genReqId: () => randomUUID() });
  const offUrl = await scopedApp(off, createTenantDatabase({ pool: t.app }));
  /** An app as app.ts builds it: its logger, the one-line access log, the telemetry plugin first. */
  async function telemetryApp({ databaseObserver: observer, ...options }: ServerTelemetry) {
    const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    // Typed as Fastify's logger, as app.ts does, so the app is a plain FastifyInstance.
    const loggerInstance: FastifyBaseLogger = logger;
    const app = Fastify({ loggerInstance, logController: new AccessLog(accessLogger(logger)), genReqId: () => randomUUID() });
    await app.register(telemetryPlugin, options);
    const url = await scopedApp(app, createTenantDatabase({ pool: t.app, ...(observer ? { observer } : {}) }));
    return { app, url, logger };
  }
  const defaults = await telemetryApp(shipped);
  const all = await telemetryApp(everything);
  const urls = { off: offUrl, defaults: defaults.url, all: all.url };

  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-telemetry-'));
  const requests = () => tenants.flatMap((id) => Array.from({ length: 5 }, () => ({ path: `/t/items/${pickRow()}`, headers: { 'x-tenant': id } })));
  /** Requests/s, and the server process's CPU microseconds per request. */
  const load = async (variant: keyof typeof urls): Promise<{ rps: number; cpuUs: number }> => {
    const config = join(dir, `${variant}.json`);
    writeFileSync(config, JSON.stringify({ url: urls[variant], durationSec: SECONDS, connections: 8, requests: requests() }));
    const cpuBefore = process.cpuUsage();
    const { stdout } = await promisify(execFile)(process.execPath, [new URL('./support/http-load.mjs', import.meta.url).pathname, config], { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { rps: number; errors: number; non2xx: number };
    const cpu = process.cpuUsage(cpuBefore);
    if (result.errors > 0 || result.non2xx > 0) throw new Error(`${variant}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
    return { rps: result.rps, cpuUs: (cpu.user + cpu.system) / (result.rps * SECONDS) };
  };

  const ratios = { defaults: [] as number[], all: [] as number[] };
  const cpuRatios = { defaults: [] as number[], all: [] as number[] };
  for (const variant of ['off', 'defaults', 'all'] as const) await load(variant);
  for (let round = 0; round < ROUNDS; round += 1) {
    const sequence = ['off', 'defaults', 'all', 'all', 'defaults', 'off'] as const;
    const got: Record<keyof typeof urls, { rps: number; cpuUs: number }[]> = { off: [], defaults: [], all: [] };
    for (const variant of sequence) got[variant].push(await load(variant));
    const mean = (variant: keyof typeof urls, field: 'rps' | 'cpuUs') => (got[variant].reduce((sum, r) => sum + r[field], 0) / got[variant].length);
    const line: string[] = [`off ${mean('off', 'rps').toFixed(0)} req/s ${mean('off', 'cpuUs').toFixed(0)} µs cpu/req`];
    for (const variant of ['defaults', 'all'] as const) {
      ratios[variant].push(mean(variant, 'rps') / mean('off', 'rps'));
      cpuRatios[variant].push(mean('off', 'cpuUs') / mean(variant, 'cpuUs'));
      line.push(`${variant} ${mean(variant, 'rps').toFixed(0)} req/s ${mean(variant, 'cpuUs').toFixed(0)} µs cpu/req, ratio ${(mean(variant, 'rps') / mean('off', 'rps')).toFixed(3)}`);
    }
    console.log(`round ${round + 1}: ${line.join('; ')}`);
  }
  // The telemetry really ran: series for the busiest tenants, and spans ended.
  const exposition = await metrics.exposition();
  const labelled = new Set([...exposition.matchAll(/tenantry_http_requests_total\{tenant="([^"]+)"/g)].map((m) => m[1]));
  console.log(`telemetry: ${labelled.size} tenant label values (top 20 + other), ${spansEnded} spans ended`);
  if (labelled.size === 0 || spansEnded === 0) throw new Error('telemetry recorded nothing');
  await Promise.all([off.close(), defaults.app.close(), all.app.close()]);
  defaults.logger.flush();
  all.logger.flush();
  const ratio = (values: number[]) => Number(median(values).toFixed(3));
  console.log(JSON.stringify({
    telemetry_on_off: ratio(ratios.defaults),
    all_on_off: ratio(ratios.all),
    server_cpu_per_request_off_on: ratio(cpuRatios.defaults),
    all_server_cpu_per_request_off_on: ratio(cpuRatios.all),
  }));
} finally {
  await t.close();
  await server.stop();
}
