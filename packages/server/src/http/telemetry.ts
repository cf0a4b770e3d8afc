// Telemetry of the HTTP app, as a Fastify plugin: the request context for logs (request id), one
// access-log line per request, per-tenant request metrics and error codes, a server span per
// request, and GET /metrics (Prometheus text) behind the operator token or open, as configured.
import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginCallback, type FastifyReply, type FastifyRequest } from 'fastify';
import { coreErrors, currentTenant } from 'tenantry';
import type { Operators } from 'tenantry/control';
import { combineObservers, createTenantMetrics, TENANT_ID_ATTRIBUTE, tracingDatabaseObserver, type TenantMetrics } from 'tenantry/observability';
import type { TenantDatabaseObserver } from 'tenantry/postgres';
import type { ServerConfig } from '../config.js';
import { requireOperator } from './operator-auth.js';
import { REQUEST_ID_BOUND, runWithRequestId } from './request-context.js';

/** Who may read GET /metrics: operators (bearer operator token) or anyone who reaches the port. */
export type MetricsAccess = 'operator' | 'open';

export interface TelemetryOptions {
  /** Absent: no request metrics and no /metrics route. */
  readonly metrics?: TenantMetrics;
  /** Default `operator`: the exposition names tenants and their traffic. */
  readonly metricsAccess?: MetricsAccess;
  /** Needed for `operator` access. */
  readonly operators?: Operators;
  /** Absent: no spans. */
  readonly tracer?: Tracer;
  /**
   * Which requests get a server span: `all` (default), or `sampled-parent` — only those whose
   * incoming trace context (`traceparent`, through the registered propagator) is sampled.
   */
  readonly traceRequests?: 'all' | 'sampled-parent';
}

/** What the server builds from its configuration: given to the database and to the app. */
export interface ServerTelemetry extends TelemetryOptions {
  /** For createTenantDatabase: database metrics and spans, or undefined when both are off. */
  readonly databaseObserver?: TenantDatabaseObserver;
}

/**
 * The telemetry the configuration asks for. Tracing uses the global tracer provider of
 * @opentelemetry/api: the application registers an SDK and exporter before start (e.g.
 * `node --import ./otel.mjs`); without one, the API hands out no-op spans.
 *
 * @example const telemetry = serverTelemetry(config); openDatabase(config, { logger, observer: telemetry.databaseObserver });
 */
export function serverTelemetry(config: Pick<ServerConfig, 'metrics' | 'metricsTopTenants' | 'tracing'>): ServerTelemetry {
  const metrics = config.metrics === 'off' ? undefined : createTenantMetrics({ topTenants: config.metricsTopTenants });
  const tracer = config.tracing === 'off' ? undefined : trace.getTracer('tenantry-server');
  const parentBased = config.tracing === 'parent';
  const databaseObserver = combineObservers(metrics?.databaseObserver, tracer ? tracingDatabaseObserver(tracer, { withoutParent: parentBased ? 'skip' : 'trace' }) : undefined);
  return {
    ...(metrics ? { metrics, metricsAccess: config.metrics === 'open' ? 'open' : 'operator' } : {}),
    ...(tracer ? { tracer, traceRequests: parentBased ? 'sampled-parent' : 'all' } : {}),
    ...(databaseObserver ? { databaseObserver } : {}),
  };
}

interface RequestTelemetry {
  span: Span | undefined;
  /** Captured in preValidation, while the tenant context is in force (the response hooks may run outside it). */
  tenantId: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenantryTelemetry: RequestTelemetry | null;
  }
}

const UNMATCHED_ROUTE = 'unmatched';
// A problem body's code; problem bodies are small, and only error answers are searched.
const PROBLEM_CODE = /"code":"([A-Z][A-Z0-9_]{0,63})"/;

const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? UNMATCHED_ROUTE;

/** Whether `parent` carries a valid, sampled span context (from the request's `traceparent`). */
function sampledParent(parent: Context): boolean {
  const spanContext = trace.getSpanContext(parent);
  return spanContext !== undefined && isSpanContextValid(spanContext) && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** Whether the request carries any header the propagator reads. */
function carriesTraceContext(headers: FastifyRequest['headers'], fields: readonly string[]): boolean {
  for (const field of fields) if (headers[field] !== undefined) return true;
  return false;
}

function problemCode(payload: unknown): string | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  return text === undefined ? undefined : PROBLEM_CODE.exec(text)?.[1];
}

function hasOwnKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

function registerMetricsRoute(app: FastifyInstance, metrics: TenantMetrics, options: TelemetryOptions): void {
  const access = options.metricsAccess ?? 'operator';
  const { operators } = options;
  void app.register(async (scope) => {
    if (access === 'operator' && operators !== undefined) requireOperator(scope, operators);
    scope.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.exposition()));
  });
}

/**
 * One access-log line per request, when it is answered (Fastify's default writes two), with the
 * request, status, time and tenant id. Give it to Fastify as its `logController`.
 *
 * @example Fastify({ loggerInstance: logger, logController: new AccessLog() });
 */
export class AccessLog extends LogController {
  /** `access`: where the success lines go (logger.ts accessLogger); default the request's logger. */
  constructor(private readonly access?: FastifyBaseLogger) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // Captured in preValidation: this may run outside the tenant context.
    const tenantId = request.tenantryTelemetry?.tenantId ?? currentTenant()?.tenantId;
    // An error line may carry anything the error holds: it goes through the redacting logger.
    if (error) reply.log.error({ req: request, res: reply, responseTimeMs: reply.elapsedTime, tenantId, err: error }, 'request errored');
    else if (this.access) this.access.info({ reqId: request.id, req: request, res: reply, responseTimeMs: reply.elapsedTime, tenantId }, 'request completed');
    else reply.log.info({ req: request, res: reply, responseTimeMs: reply.elapsedTime, tenantId }, 'request completed');
  }
}

const plugin: FastifyPluginCallback<TelemetryOptions> = (app, options, done) => {
  const { metrics, tracer } = options;
  const onlySampledParents = options.traceRequests === 'sampled-parent';
  if (metrics !== undefined && (options.metricsAccess ?? 'operator') === 'operator' && options.operators === undefined) {
    // Fail `register`, not serve the tenants' traffic to anyone.
    return done(coreErrors.create('CONFIG_INVALID', { details: { path: 'metricsAccess', reason: '"operator" needs the operators service' } }));
  }
  app.decorateRequest('tenantryTelemetry', null);
  // No child logger per request: `request.log` is the app's logger, and the logger's mixin
  // (logger.ts) adds the request id from the request context, as it does for every other
  // logger. A pino child binding `reqId` cost ~3 µs a request, most of it pino running the
  // wildcard redaction over the binding (measured with bench/telemetry). Only a route with
  // its own logger options (a log level) gets a child, which binds reqId itself; the mark
  // (once per parent logger: a property added to each child would change its shape) keeps
  // the mixin from adding it twice.
  const marked = new WeakMap<FastifyBaseLogger, FastifyBaseLogger>();
  app.setChildLoggerFactory((logger, bindings, opts) => {
    if (!hasOwnKeys(opts)) return logger;
    let parent = marked.get(logger);
    if (parent === undefined) {
      parent = logger.child({});
      Object.defineProperty(parent, REQUEST_ID_BOUND, { value: true });
      marked.set(logger, parent);
    }
    return parent.child(bindings, opts);
  });

  // The headers the registered propagator reads (W3C: traceparent, tracestate), asked once at
  // the first request (the SDK is registered before the server starts).
  let propagatorFields: readonly string[] | undefined;
  // Callback style: `next()` inside `run` starts the rest of the chain (the tenant plugin, the
  // handler) in the request context and in the request span's context.
  app.addHook('onRequest', (request, _reply, next) => {
    const state: RequestTelemetry = { span: undefined, tenantId: undefined };
    request.tenantryTelemetry = state;
    if (tracer === undefined) return runWithRequestId(request.id, next);
    // Parent-based and no trace header at all: no span, and nothing to extract either — the
    // cost of tracing is then a header lookup or two.
    if (onlySampledParents && !carriesTraceContext(request.headers, (propagatorFields ??= propagation.fields()))) return runWithRequestId(request.id, next);
    // The caller's trace context (W3C `traceparent` with the SDK's propagator; without one
    // registered, nothing is extracted). Parent-based: an unsampled request gets no span and
    // no span context.
    const parent = propagation.extract(context.active(), request.headers);
    if (onlySampledParents && !sampledParent(parent)) return runWithRequestId(request.id, next);
    // The route template is known before the first hook: the span is named once, at its start.
    const route = routeOf(request);
    const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } }, parent);
    state.span = span;
    runWithRequestId(request.id, () => context.with(trace.setSpan(parent, span), next));
  });
  // Inside the tenant context (tenant routes resolve it in onRequest), and before the tenant
  // scope's own preValidation (the access check): a refused tenant request keeps its tenant.
  app.addHook('preValidation', (request, _reply, next) => {
    const state = request.tenantryTelemetry;
    if (state !== null) state.tenantId = currentTenant()?.tenantId;
    next();
  });
  if (metrics !== undefined || tracer !== undefined) {
    app.addHook('onSend', (request, reply, payload, next) => {
      if (reply.statusCode >= 400) {
        const code = problemCode(payload);
        if (code !== undefined) {
          const state = request.tenantryTelemetry;
          metrics?.countError(state?.tenantId ?? currentTenant()?.tenantId, code);
          state?.span?.setAttribute('tenantry.error_code', code);
        }
      }
      next();
    });
  }
  if (tracer !== undefined) {
    app.addHook('onError', (request, _reply, error, next) => {
      const span = request.tenantryTelemetry?.span;
      if (span !== undefined) span.recordException(error);
      next();
    });
  }
  // Only metrics and spans need the response hook: the access line is the log controller's.
  if (metrics !== undefined || tracer !== undefined) app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next) => {
    const state = request.tenantryTelemetry;
    // Parent-based tracing without a sampled parent and no metrics: nothing to record.
    if (metrics === undefined && state?.span === undefined) return next();
    const tenantId = state?.tenantId ?? currentTenant()?.tenantId;
    const route = routeOf(request);
    const status = reply.statusCode;
    // Fastify's own hrtime-based elapsed time: no histogram timer closure per request.
    metrics?.observeRequest(tenantId, request.method, route, status, reply.elapsedTime / 1000);
    const span = state?.span;
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (tenantId !== undefined) span.setAttribute(TENANT_ID_ATTRIBUTE, tenantId);
      // Server spans are errors for 5xx only: a 4xx is the caller's mistake (OpenTelemetry semconv).
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    next();
  });
  if (metrics !== undefined) registerMetricsRoute(app, metrics, options);
  done();
};
// Like fastify-plugin: the hooks apply to the whole app, not only inside the plugin.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'tenantry-telemetry' });

/**
 * Register before any route, so its hooks run first for every request.
 *
 * @example await app.register(telemetryPlugin, { metrics, metricsAccess: 'operator', operators, tracer });
 */
export const telemetryPlugin = plugin;
