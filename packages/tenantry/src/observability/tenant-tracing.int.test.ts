// Tenant spans against a real PostgreSQL, recorded by the OpenTelemetry SDK's in-memory exporter:
// a span per tenant transaction, a child of the span active when the work ran, carrying the
// tenant id, and failed ones marked as errors with their code.
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { createTenantDatabase, isolateTable, type TenantDatabase } from '../postgres/index.js';
import { AsyncLocalStorageContextManager, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { combineObservers } from './combine-observers.js';
import { TENANT_ID_ATTRIBUTE, tracingDatabaseObserver } from './tenant-tracing.js';
import { createTenantMetrics } from './tenant-metrics.js';

let t: TestTenantry;
let a: TenantId;
let db: TenantDatabase;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const metrics = createTenantMetrics({ topTenants: 2, admitAfter: 1, processMetrics: 'off' });

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager(ROOT_CONTEXT));
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
  [a] = t.tenants.map((x) => x.id) as [TenantId];
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
  db = createTenantDatabase({ pool: t.app, observer: combineObservers(metrics.databaseObserver, tracingDatabaseObserver(tracer)) });
});
afterAll(async () => {
  context.disable();
  await t?.close();
});
beforeEach(() => exporter.reset());

/** Runs `fn` under a parent span, as a request handler would. */
async function underRequest<T>(fn: () => Promise<T>): Promise<{ result: T; parentId: string }> {
  const parent = tracer.startSpan('request');
  try {
    const result = await context.with(trace.setSpan(context.active(), parent), fn);
    return { result, parentId: parent.spanContext().spanId };
  } finally {
    parent.end();
  }
}

describe('tracingDatabaseObserver', () => {
  it('makes a span per scope statement, a child of the active span, with the tenant id', async () => {
    const { parentId } = await underRequest(() => db.withTenant(a, async (s) => {
      await s.query('SELECT 1');
      await s.query('SELECT 2');
    }));
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'tenantry.statement');
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parentId);
      expect(span.attributes[TENANT_ID_ATTRIBUTE]).toBe(a);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('makes one span for an explicit transaction, and marks a failed one with its code', async () => {
    await underRequest(() => db.transaction(a, async (tx) => {
      await tx.query('INSERT INTO notes (id) VALUES (1)');
      await tx.query('INSERT INTO notes (id) VALUES (2)');
    }));
    const failure = await underRequest(() => db.transaction(a, (tx) => tx.query('INSERT INTO notes (id) VALUES (1)'))).catch((err: unknown) => err);
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name === 'tenantry.statement')).toEqual([]);
    const [ok, failed] = spans.filter((s) => s.name === 'tenantry.transaction');
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: (failure as { code: string }).code });
    expect(failed?.events.map((e) => e.name)).toContain('exception');
    expect(failed?.attributes[TENANT_ID_ATTRIBUTE]).toBe(a);
    // The span covers the measured time, and its end is not before its start.
    const [s, e] = [failed?.startTime, failed?.endTime] as [[number, number], [number, number]];
    expect(e[0] * 1e9 + e[1]).toBeGreaterThanOrEqual(s[0] * 1e9 + s[1]);
  });

  it('feeds metrics and tracing from one combined observer', async () => {
    await db.withTenant(a, (s) => s.query('SELECT 1'));
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(await metrics.exposition()).toMatch(new RegExp(`tenantry_db_statement_duration_seconds_count\\{tenant="${a}"\\} \\d+`));
  });
});
