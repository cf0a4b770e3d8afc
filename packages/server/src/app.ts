// The control plane's HTTP app (not listening): problem+json errors, the health probes, the
// OpenAPI document and reference page, and the /v1 API (one route file per resource).
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SqlQueryable } from 'tenantry/postgres';
import type { ApiDependencies } from './http/api-dependencies.js';
import { registerDashboard } from './http/dashboard.js';
import { registerOpenApi } from './http/openapi.js';
import { answerFrameworkError, BODY_LIMIT_BYTES, installProblemHandlers, MAX_PARAM_LENGTH } from './http/problem-handlers.js';
import { DEFAULT_ROUTE_DEADLINES, installRequestDeadlines, type RouteDeadlines } from './http/request-deadline.js';
import { refuseUnstorableText } from './http/text-guard.js';
import { AccessLog, telemetryPlugin, type TelemetryOptions } from './http/telemetry.js';
import { accessLogger } from './logger.js';
import { registerHealthRoutes, type ReadinessCheck } from './routes/health.js';
import { registerV1Routes } from './routes/v1.js';

export interface AppOptions {
  /** Operator-role pool (the readiness probe's query). */
  readonly operator: SqlQueryable;
  readonly logger: Logger;
  /** Default 2000. */
  readonly readinessTimeoutMs?: number;
  /** Dependencies /readyz checks besides PostgreSQL (Redis …). */
  readonly readinessChecks?: readonly ReadinessCheck[];
  /** The /v1 API's services; without them only the probes and /openapi.json are served. */
  readonly api?: ApiDependencies;
  /** The dashboard's build served at /dashboard/. Default packages/dashboard/dist. */
  readonly dashboardDir?: string;
  /** Metrics, tracing and /metrics (http/telemetry.ts); absent: request context and access log only. */
  readonly telemetry?: TelemetryOptions;
  /** Client-side deadlines of a request's database work per route class. Default DEFAULT_ROUTE_DEADLINES. */
  readonly deadlines?: RouteDeadlines;
}

/**
 * @example
 * const app = buildApp({ operator: database.operator, logger });
 * const res = await app.inject({ url: '/healthz' });
 */
export function buildApp(options: AppOptions): FastifyInstance {
  // Typed as Fastify's logger so the app is a plain FastifyInstance route files can take.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // Random ids, not Fastify's per-process counter: they are quoted in support requests and
    // must not collide across restarts or replicas.
    genReqId: () => randomUUID(),
    // Refused before the body is read any further: 413 REQUEST_BODY_TOO_LARGE.
    bodyLimit: BODY_LIMIT_BYTES,
    // Ids are UUIDs, user ids at most 256 characters, domains 253: longer is never a real id.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // URLs the router cannot read answer problem+json too (URL_INVALID, URL_PARAMETER_TOO_LONG).
    frameworkErrors: answerFrameworkError,
    // Fastify's default strips unknown fields silently; the API rejects them instead, so a
    // misspelt field is a 400, never an ignored setting.
    ajv: { customOptions: { removeAdditional: false } },
    // One access-log line per request (with the tenant id) instead of Fastify's two.
    logController: new AccessLog(accessLogger(options.logger)),
  });
  // First, so its hooks run before every other hook of every route.
  const operators = options.telemetry?.operators ?? options.api?.control.operators;
  void app.register(telemetryPlugin, { ...options.telemetry, ...(operators ? { operators } : {}) });
  installRequestDeadlines(app, options.deadlines ?? DEFAULT_ROUTE_DEADLINES);
  installProblemHandlers(app);
  refuseUnstorableText(app);
  registerOpenApi(app);
  registerHealthRoutes(app, {
    operator: options.operator,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2000,
    ...(options.readinessChecks ? { checks: options.readinessChecks } : {}),
  });
  const { api } = options;
  if (api) void app.register(async (instance) => registerV1Routes(instance, api));
  registerDashboard(app, options.dashboardDir === undefined ? {} : { root: options.dashboardDir });
  return app;
}
