// Spans for tenant database work through @opentelemetry/api only (an optional peer; no SDK or
// exporter is bundled: the application registers its own). A span per tenant transaction —
// explicit ones and each scope statement, which is an implicit transaction of its own.
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { TenantDatabaseObserver } from '../postgres/index.js';

/** The span attribute that carries the tenant id, on request and database spans alike. */
export const TENANT_ID_ATTRIBUTE = 'tenantry.tenant_id';

/**
 * Marks `span` as failed by `error`: the exception event and an ERROR status whose message is
 * the error's code (a TenantryError's message can be long; the code is what one searches for).
 *
 * @example recordSpanError(span, err);
 */
export function recordSpanError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  const code = (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, ...(typeof code === 'string' ? { message: code } : {}) });
}

export interface TracingDatabaseObserverOptions {
  /**
   * Work with no recording span active (no request span, or an unsampled one): `trace` (default)
   * makes a span of its own, a root the SDK's sampler decides on; `skip` makes none, so only
   * the work of traced requests is traced (parent-based sampling, at no cost for the rest).
   */
  readonly withoutParent?: 'trace' | 'skip';
}

/**
 * A database observer that turns every tenant transaction into a client span, a child of the
 * span active when the work started (the request's, when the application registered a context
 * manager, as the OpenTelemetry Node SDK does). The span is made after the fact from the
 * measured duration, so nothing is allocated while the statement runs.
 *
 * @example
 * const db = createTenantDatabase({ pool, observer: tracingDatabaseObserver(trace.getTracer('tenantry')) });
 */
export function tracingDatabaseObserver(tracer: Tracer, options: TracingDatabaseObserverOptions = {}): TenantDatabaseObserver {
  const skipOrphans = options.withoutParent === 'skip';
  const span = (name: string, tenantId: string, durationMs: number, error: unknown) => {
    if (skipOrphans && trace.getSpan(context.active())?.isRecording() !== true) return;
    const end = performance.timeOrigin + performance.now();
    const started = tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, startTime: end - durationMs, attributes: { [TENANT_ID_ATTRIBUTE]: tenantId, 'db.system.name': 'postgresql' } },
      context.active(),
    );
    if (error !== undefined) recordSpanError(started, error);
    started.end(end);
  };
  return {
    onStatement(event) {
      // Statements inside an explicit transaction are covered by the transaction's span.
      if (!event.inTransaction) span('tenantry.statement', event.tenantId, event.durationMs, event.error);
    },
    onTransaction(event) {
      span('tenantry.transaction', event.tenantId, event.durationMs, event.error);
    },
  };
}
