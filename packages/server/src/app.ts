// The control plane's HTTP app (not listening): problem+json errors and the health probes. The
// /v1 API joins it as one route file per resource.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SqlQueryable } from 'tenantry/postgres';
import { installProblemHandlers } from './http/problem-handlers.js';
import { registerHealthRoutes } from './routes/health.js';

export interface AppOptions {
  /** Operator-role pool (the readiness probe's query). */
  readonly operator: SqlQueryable;
  readonly logger: Logger;
  /** Default 2000. */
  readonly readinessTimeoutMs?: number;
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
  });
  installProblemHandlers(app);
  registerHealthRoutes(app, { operator: options.operator, readinessTimeoutMs: options.readinessTimeoutMs ?? 2000 });
  return app;
}
