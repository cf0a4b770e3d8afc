// Per-tenant database limits (usually a plan's): the three timeouts set in the tenant's own
// transaction, and its share of the pool for fair admission. The app role's settings of
// migration 0001 stay the ceilings for tenants without limits.
import { coreErrors, type TenantId } from '../core/index.js';
import type { TenantShare } from './fair-admission.js';
import type { PreambleStatement } from './sql-client.js';

/** One tenant's limits; absent fields keep the app role's settings (30 s, 5 s, 60 s). */
export interface TenantDatabaseLimits extends TenantShare {
  /** `statement_timeout` of each of the tenant's statements; past it, STATEMENT_TIMEOUT (429). */
  readonly statementTimeoutMs?: number;
  /** `lock_timeout`: how long a statement waits for a lock; past it, TRANSACTION_CONFLICT. */
  readonly lockTimeoutMs?: number;
  /** `idle_in_transaction_session_timeout`: a transaction left idle this long is ended by the server. */
  readonly idleInTransactionTimeoutMs?: number;
}

/**
 * The limits of a tenant: synchronous when they are at hand (a cached plan), else a promise.
 * Asked once per `withTenant` scope, before its first statement.
 */
export type TenantLimitsSource = (tenantId: TenantId) => TenantDatabaseLimits | undefined | Promise<TenantDatabaseLimits | undefined>;

// set_config(…, true) lasts until the end of the current transaction: the scope's implicit one
// (preamble and statement share it) or the explicit one it follows BEGIN into. PostgreSQL
// re-arms statement_timeout after each Execute in a pipeline (postgres.c, exec_execute_message),
// so the statement after this preamble runs under the new value. NULL keeps the role's value.
const LIMITS_SQL = `SELECT pg_catalog.set_config('statement_timeout', COALESCE($1::text, pg_catalog.current_setting('statement_timeout')), true),
  pg_catalog.set_config('lock_timeout', COALESCE($2::text, pg_catalog.current_setting('lock_timeout')), true),
  pg_catalog.set_config('idle_in_transaction_session_timeout', COALESCE($3::text, pg_catalog.current_setting('idle_in_transaction_session_timeout')), true)`;

const TIMEOUTS = ['statementTimeoutMs', 'lockTimeoutMs', 'idleInTransactionTimeoutMs'] as const;
const KNOWN = new Set<string>([...TIMEOUTS, 'weight', 'maxConnections']);

function millis(value: number | undefined, path: string): string | null {
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > 86_400_000) throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: 'an integer from 1 to 86400000 (milliseconds)' } });
  return `${value}ms`;
}

/**
 * The preamble statement that puts `limits`' timeouts in force, or undefined when it sets none
 * (then nothing is sent: a tenant without limits costs nothing).
 *
 * @example const statement = limitsPreamble({ statementTimeoutMs: 2_000 });
 */
export function limitsPreamble(limits: TenantDatabaseLimits | undefined): PreambleStatement | undefined {
  if (limits === undefined) return undefined;
  for (const key of Object.keys(limits)) {
    if (!KNOWN.has(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: `limits.${key}`, reason: 'unknown option' } });
  }
  const values = TIMEOUTS.map((key) => millis(limits[key], `limits.${key}`));
  if (values.every((v) => v === null)) return undefined;
  return { name: 'tenantry_limits', text: LIMITS_SQL, values };
}
