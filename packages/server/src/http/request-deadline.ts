// Client-side deadlines of a request's database work, per route class: past its deadline a
// statement or a wait for a pooled connection is abandoned and the request answers 503
// DATABASE_TIMEOUT with Retry-After, whatever the database does (frozen, locked, overloaded).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withDatabaseDeadline } from 'tenantry/postgres';

/** Route classes with a deadline; probes, docs and the dashboard have none (/readyz has its own). */
export type RouteClass = 'tenant' | 'operator' | 'export';

export type RouteDeadlines = Readonly<Record<RouteClass, number>>;

/** The defaults (docs/operations.md); the server's configuration sets each one. */
export const DEFAULT_ROUTE_DEADLINES: RouteDeadlines = Object.freeze({ tenant: 5_000, operator: 10_000, export: 60_000 });

// Operator reads of a whole period or chain, and the moves of a whole tenant's data
// (docs/mobility.md): they scan far more than one request's worth.
const EXPORT_ROUTES = new Set([
  '/v1/billing/export', '/v1/tenants/:id/audit-events/verification',
  '/v1/tenants/:id/export', '/v1/tenants/:id/import', '/v1/tenants/:id/backups/:backupId/restore', '/v1/retention/runs', '/v1/tenants/:id/erasure',
]);

/** The class of a request's route, by its template; undefined: no deadline. */
export function routeClassOf(request: FastifyRequest): RouteClass | undefined {
  const route = request.routeOptions.url;
  if (route === undefined) return undefined;
  if (EXPORT_ROUTES.has(route)) return 'export';
  if (route.startsWith('/v1/tenant/')) return 'tenant';
  if (route.startsWith('/v1/')) return 'operator';
  return undefined;
}

/**
 * Runs the rest of each request (authentication, handler) under its route class's deadline.
 * Call on the root instance after the telemetry plugin.
 *
 * @example installRequestDeadlines(app, { tenant: 5_000, operator: 10_000, export: 60_000 });
 */
export function installRequestDeadlines(app: FastifyInstance, deadlines: RouteDeadlines): void {
  // Callback style: `next()` inside the deadline starts the rest of the chain in its context.
  app.addHook('onRequest', (request, _reply, next) => {
    const routeClass = routeClassOf(request);
    if (routeClass === undefined) {
      next();
      return;
    }
    withDatabaseDeadline(deadlines[routeClass], next);
  });
}
