// Liveness and readiness probes: /healthz says the process serves HTTP, /readyz that it can
// also reach a migrated database through the operator pool, and every other named dependency
// the server was given (Redis …) answers too.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { healthErrors } from 'tenantry/health';
import { postgresErrors, withDatabaseDeadline, type SqlQueryable } from 'tenantry/postgres';

const StatusBody = Type.Object({ status: Type.Literal('ok') });
const PROBE_RESPONSE = { response: { 200: StatusBody } } as const;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A dependency /readyz checks besides PostgreSQL: resolves when it can serve, rejects otherwise. */
export interface ReadinessCheck {
  /** Reported as `details.check` when it fails: `redis`. */
  readonly name: string;
  readonly check: () => Promise<unknown>;
}

export interface HealthRoutesOptions {
  /** The operator pool: never the admin login, and never a tenant's app-role transaction. */
  readonly operator: SqlQueryable;
  /** A probe must answer before the orchestrator's own timeout, even when a dependency hangs. */
  readonly readinessTimeoutMs: number;
  /** Checked in parallel with PostgreSQL, each under the same timeout. */
  readonly checks?: readonly ReadinessCheck[];
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkPostgres(operator: SqlQueryable, timeoutMs: number): Promise<void> {
  try {
    // Cheap, and it also fails when the schema is missing (a database that was never migrated).
    // Under a database deadline too: the pg driver then abandons (and destroys) a connection a
    // frozen server never answers on, instead of keeping it from the operator routes.
    const query = withDatabaseDeadline(timeoutMs, () => operator.query<{ migrated: boolean }>("SELECT to_regclass('tenantry.tenants') IS NOT NULL AS migrated"));
    const { rows } = await withTimeout(query, timeoutMs);
    if (rows[0]?.migrated !== true) throw new Error('the tenantry schema is missing');
  } catch (cause) {
    throw postgresErrors.create('DATABASE_UNAVAILABLE', { cause });
  }
}

async function checkNamed(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  try {
    // Called inside the try: a check that throws synchronously fails the probe, not the process.
    await withTimeout(Promise.resolve().then(check.check), timeoutMs);
  } catch (cause) {
    throw healthErrors.create('READINESS_CHECK_FAILED', { details: { check: check.name }, cause });
  }
}

/**
 * @example registerHealthRoutes(app, { operator: database.operator, readinessTimeoutMs: 2000, checks: [{ name: 'redis', check: () => redis.ping() }] });
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  // Orchestrators probe every few seconds: log those requests only when something is wrong. A
  // route's logLevel replaces the app's, so it must never be chattier than the app's own.
  const appLevel = LEVELS.find((level) => level === app.log.level) ?? 'info';
  const logLevel = LEVELS.indexOf(appLevel) > LEVELS.indexOf('warn') ? appLevel : 'warn';
  const checks = options.checks ?? [];
  app.get('/healthz', { schema: PROBE_RESPONSE, logLevel }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: PROBE_RESPONSE, logLevel }, async () => {
    // All at once, so the probe takes the slowest check's time, not their sum; the first
    // failure in this order (PostgreSQL first) is the answer.
    const results = await Promise.allSettled([
      checkPostgres(options.operator, options.readinessTimeoutMs),
      ...checks.map((check) => checkNamed(check, options.readinessTimeoutMs)),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { status: 'ok' as const };
  });
}
