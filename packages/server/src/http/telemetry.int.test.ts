// The telemetry of real requests through the server app: log lines carry the tenant and request
// ids and never a credential, /metrics counts requests per tenant behind the operator token, and
// every request gets a server span that is the parent of its tenant database spans.
import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createControlPlane, systemActor, type ControlPlane } from 'tenantry/control';
import { combineObservers, createTenantMetrics, TENANT_ID_ATTRIBUTE, tracingDatabaseObserver, type TenantMetrics } from 'tenantry/observability';
import { createTenantDatabase, type TenantDatabase } from 'tenantry/postgres';
import { AsyncLocalStorageContextManager, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { buildApp } from '../app.js';
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { tenantScope } from './tenant-auth.js';
import { serverTelemetry, telemetryPlugin } from './telemetry.js';

let t: TestTenantry;
let control: ControlPlane;
let db: TenantDatabase;
let metrics: TenantMetrics;
let app: FastifyInstance;
let operatorToken: string;
let keys: string[];
let lines: string[] = [];
const requestLoggers: unknown[] = [];
const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager(ROOT_CONTEXT));
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  metrics = createTenantMetrics({ topTenants: 5, admitAfter: 1, processMetrics: 'off' });
  db = createTenantDatabase({ pool: t.app, observer: combineObservers(metrics.databaseObserver, tracingDatabaseObserver(tracer)) });
  control = createControlPlane({ db, operator: t.operator, encryption: 'none' });
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const deps = { registry: t.registry, db, control };
  app = buildApp({ operator: t.operator, logger, api: deps, telemetry: { metrics, metricsAccess: 'operator', tracer } });
  // A tenant route of the test's own that logs through the root logger, not request.log.
  void app.register(async (scope) => {
    await scope.register(async (tenant) => {
      await tenantScope(tenant, deps);
      tenant.get('/probe', { config: { access: 'members:read' } }, async (request) => {
        logger.info({ note: 'root logger' }, 'inside handler');
        request.log.info('inside handler via request.log');
        requestLoggers.push(request.log);
        return db.withCurrentTenant(async (s) => (await s.query<{ one: number }>('SELECT 1 AS one')).rows[0]);
      });
    });
  }, { prefix: '/test' });
  await app.ready();
  const staff = await control.operators.create({ email: `ops-${randomUUID()}@platform.example`, displayName: 'Ops' });
  operatorToken = (await control.operators.createToken(staff.id, { name: 'test' })).token;
  keys = await Promise.all(t.tenants.map(async (tenant) =>
    (await db.withTenant(tenant.id, (scope) => control.apiKeys.create(scope, { name: 'k', scopes: ['members:read'] }, systemActor('test')))).key));
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  context.disable();
});
beforeEach(() => {
  lines = [];
  exporter.reset();
});

describe('logs of a request', () => {
  it('carry the tenant id and the request id on every line written inside the handler, whichever logger', async () => {
    const res = await app.inject({ url: '/test/probe', headers: { authorization: `ApiKey ${keys[0]}` } });
    expect(res.statusCode).toBe(200);
    const inside = logged().filter((l) => String(l.msg).startsWith('inside handler'));
    expect(inside).toHaveLength(2);
    for (const line of inside) expect(typeof line.reqId === 'string' && line.tenantId).toBe(t.tenants[0]?.id);
    expect(new Set(logged().map((l) => l.reqId)).size).toBe(1);
    // One access line per request, with the tenant.
    const access = logged().filter((l) => l.msg === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ tenantId: t.tenants[0]?.id, res: { statusCode: 200 }, req: { method: 'GET', url: '/test/probe' } });
  });

  it('writes the request id once per line (Fastify binds it, the mixin does not repeat it)', async () => {
    await app.inject({ url: '/test/probe', headers: { 'x-api-key': keys[1] as string } });
    for (const line of lines) expect(line.match(/"reqId":/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(logged().find((l) => l.msg === 'inside handler via request.log')).toMatchObject({ tenantId: t.tenants[1]?.id });
  });

  // A pino child per request binding reqId cost ~3 µs a request, most of it the wildcard
  // redaction pino runs over bindings: request.log is the app's logger, the mixin adds reqId.
  it('makes no child logger per request: request.log is the app logger, and its lines still carry the request id', async () => {
    requestLoggers.length = 0;
    await Promise.all([0, 1].map((i) => app.inject({ url: '/test/probe', headers: { 'x-api-key': keys[i] as string } })));
    expect(requestLoggers).toHaveLength(2);
    expect(requestLoggers[0]).toBe(app.log);
    expect(requestLoggers[1]).toBe(app.log);
    const viaRequestLog = logged().filter((l) => l.msg === 'inside handler via request.log');
    const ids = new Set(viaRequestLog.map((l) => l.reqId));
    expect(ids.size).toBe(2);
    expect(ids).toEqual(new Set(logged().filter((l) => l.msg === 'request completed').map((l) => l.reqId)));
  });

  it('never writes the Authorization, X-Api-Key or Cookie headers, even of a refused request', async () => {
    const secret = `tnt_secret_${randomUUID()}`;
    for (const headers of [{ authorization: `Bearer ${secret}` }, { 'x-api-key': secret }, { cookie: `sid=${secret}` }, { authorization: `ApiKey ${keys[0]}` }]) {
      await app.inject({ url: '/test/probe', headers });
      await app.inject({ url: '/v1/tenants', headers });
    }
    const output = lines.join('');
    expect(lines.length).toBeGreaterThan(0);
    expect(output).not.toContain(secret);
    expect(output).not.toContain(keys[0]);
  });
});

describe('GET /metrics', () => {
  it('is refused without an operator token and served with one', async () => {
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${operatorToken}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('counts requests per tenant and route template, errors by code, and database time', async () => {
    const [a, b] = t.tenants.map((x): string => x.id) as [string, string];
    for (let i = 0; i < 3; i++) await app.inject({ url: '/test/probe', headers: { 'x-api-key': keys[0] as string } });
    await app.inject({ url: '/test/probe', headers: { 'x-api-key': keys[1] as string } });
    await app.inject({ url: '/test/probe', headers: { 'x-api-key': 'tnt_nonsense' } });
    await app.inject({ url: '/nowhere/123' });
    // Refused by the access check (the key may only read): still counted for its tenant.
    const refused = await app.inject({ method: 'POST', url: '/v1/tenant/members', headers: { 'x-api-key': keys[0] as string }, payload: { userId: 'u1', role: 'viewer' } });
    expect(refused.statusCode).toBe(403);
    const text = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${operatorToken}` } })).body;
    expect(text).toMatch(new RegExp(`tenantry_http_requests_total\\{tenant="${a}",method="GET",route="/test/probe",status="200"\\} ([3-9]|\\d\\d)`));
    expect(text).toMatch(new RegExp(`tenantry_http_requests_total\\{tenant="${b}",method="GET",route="/test/probe",status="200"\\} \\d`));
    expect(text).toMatch(/tenantry_http_requests_total\{tenant="none",method="GET",route="unmatched",status="404"\} \d/);
    expect(text).toMatch(/tenantry_http_errors_total\{tenant="none",code="ROUTE_NOT_FOUND"\} \d/);
    expect(text).toMatch(new RegExp(`tenantry_http_errors_total\\{tenant="${a}",code="PERMISSION_DENIED"\\} 1`));
    expect(text).toMatch(new RegExp(`tenantry_http_requests_total\\{tenant="${a}",method="POST",route="/v1/tenant/members",status="403"\\} 1`));
    expect(text).toMatch(new RegExp(`tenantry_db_statement_duration_seconds_count\\{tenant="${a}"\\} \\d`));
    expect(text).not.toContain('/nowhere/123');
  });
});

describe('spans', () => {
  it('makes a server span per request with the tenant id, parent of the tenant database spans', async () => {
    const res = await app.inject({ url: '/test/probe', headers: { 'x-api-key': keys[0] as string } });
    expect(res.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => (s.kind as number) === (SpanKind.SERVER as number));
    expect(server).toMatchObject({ name: 'GET /test/probe', attributes: { [TENANT_ID_ATTRIBUTE]: t.tenants[0]?.id, 'http.route': '/test/probe', 'http.response.status_code': 200 } });
    const statements = spans.filter((s) => s.name === 'tenantry.statement');
    // The API key lookup and the handler's own statement, all under the request.
    expect(statements.length).toBeGreaterThanOrEqual(1);
    for (const span of statements) {
      expect(span.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(server?.spanContext().traceId);
      expect(span.attributes[TENANT_ID_ATTRIBUTE]).toBeDefined();
    }
  });

  it("with parent-based sampling, traces only requests whose traceparent is sampled, and their database work", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const sampled = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }), telemetry: { tracer, traceRequests: 'sampled-parent' } });
      const traced = createTenantDatabase({ pool: t.app, observer: tracingDatabaseObserver(tracer, { withoutParent: 'skip' }) });
      sampled.get('/work', async () => traced.withTenant(t.tenants[0]?.id as TenantId, async (s) => (await s.query('SELECT 1 AS one')).rows[0]));
      const traceId = randomUUID().replaceAll('-', '');
      const parentId = traceId.slice(0, 16);
      for (const headers of [{}, { traceparent: `00-${traceId}-${parentId}-00` }]) {
        expect((await sampled.inject({ url: '/work', headers })).statusCode).toBe(200);
      }
      // No traceparent, or an unsampled one: no span at all, not even the statement's.
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect((await sampled.inject({ url: '/work', headers: { traceparent: `00-${traceId}-${parentId}-01` } })).statusCode).toBe(200);
      const spans = exporter.getFinishedSpans();
      const server = spans.find((s) => (s.kind as number) === (SpanKind.SERVER as number));
      expect(server?.spanContext().traceId).toBe(traceId);
      expect(server?.parentSpanContext?.spanId).toBe(parentId);
      const statement = spans.find((s) => s.name === 'tenantry.statement');
      expect(statement?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      await sampled.close();
    } finally {
      propagation.disable();
    }
  });

  it('marks a 5xx request span as an error and records the exception', async () => {
    const broken = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }), telemetry: { tracer } });
    broken.get('/boom', async () => { throw new Error('kaput'); });
    expect((await broken.inject({ url: '/boom' })).statusCode).toBe(500);
    await broken.close();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(span?.attributes['tenantry.error_code']).toBe('INTERNAL');
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });
});

describe('serverTelemetry', () => {
  it('builds nothing when metrics and tracing are off, and metrics with operator access when asked', () => {
    expect(serverTelemetry(resolveConfig({ tracing: 'off' }))).toEqual({});
    // The default: parent-based tracing, nothing else.
    expect(serverTelemetry(resolveConfig({}))).toMatchObject({ traceRequests: 'sampled-parent' });
    const on = serverTelemetry(resolveConfig({ metrics: 'operator', tracing: 'on' }));
    expect(on.metricsAccess).toBe('operator');
    expect(on.tracer).toBeDefined();
    expect(on.databaseObserver?.onStatement).toBeTypeOf('function');
    expect(serverTelemetry(resolveConfig({ metrics: 'open' })).metricsAccess).toBe('open');
  });

  it('serves /metrics to anyone with open access, and not at all when metrics are off', async () => {
    const open = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }), telemetry: { metrics: createTenantMetrics({ processMetrics: 'off' }), metricsAccess: 'open' } });
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
    await open.close();
    const unguarded = Fastify({ logger: false });
    await expect(unguarded.register(telemetryPlugin, { metrics: createTenantMetrics({ processMetrics: 'off' }) })).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'metricsAccess' } });
    const off = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }) });
    expect((await off.inject({ url: '/metrics' })).statusCode).toBe(404);
    await off.close();
  });
});
