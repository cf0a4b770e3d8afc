// Liveness and readiness probes: /healthz says the process serves HTTP, /readyz that it can
// also reach a migrated database through the operator pool.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { postgresErrors, type SqlQueryable } from 'tenantry/postgres';

const StatusBody = Type.Object({ status: Type.Literal('ok') });
const PROBE_RESPONSE = { response: { 200: StatusBody } } as const;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface HealthRoutesOptions {
  /** The operator pool: never the admin login, and never a tenant's app-role transaction. */
  readonly operator: SqlQueryable;
  /** A probe must answer before the orchestrator's own timeout, even when the database hangs. */
  readonly readinessTimeoutMs: number;
}

async function checkPostgres(operator: SqlQueryable, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // Cheap, and it also fails when the schema is missing (a database that was never migrated).
    const query = operator.query<{ migrated: boolean }>("SELECT to_regclass('tenantry.tenants') IS NOT NULL AS migrated");
    const { rows } = await Promise.race([query, timeout]);
    if (rows[0]?.migrated !== true) throw new Error('the tenantry schema is missing');
  } catch (cause) {
    throw postgresErrors.create('DATABASE_UNAVAILABLE', { cause });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * @example registerHealthRoutes(app, { operator: database.operator, readinessTimeoutMs: 2000 });
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  // Orchestrators probe every few seconds: log those requests only when something is wrong. A
  // route's logLevel replaces the app's, so it must never be chattier than the app's own.
  const appLevel = LEVELS.find((level) => level === app.log.level) ?? 'info';
  const logLevel = LEVELS.indexOf(appLevel) > LEVELS.indexOf('warn') ? appLevel : 'warn';
  app.get('/healthz', { schema: PROBE_RESPONSE, logLevel }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: PROBE_RESPONSE, logLevel }, async () => {
    await checkPostgres(options.operator, options.readinessTimeoutMs);
    return { status: 'ok' as const };
  });
}
