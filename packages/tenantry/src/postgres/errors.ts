// Error codes of the postgres capability, and the one mapping from SQLSTATE to them.
import { coreErrors, defineErrors, isTenantryError, type TenantryError } from '../core/index.js';

export const postgresErrors = defineErrors('postgres', {
  DATABASE_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The database cannot be reached.',
    fix: 'Check DATABASE_URL and that the server is up; the request can be retried.',
  },
  DATABASE_LOGIN_REFUSED: {
    kind: 'unavailable',
    message: 'The database refused the login: wrong password, or a user it does not know or admit.',
    fix: 'Correct the user name and password in DATABASE_URL (the admin login); TENANTRY_APP_PASSWORD and TENANTRY_OPERATOR_PASSWORD are set on their roles by migrate. `details.sqlstate` is 28P01 for a wrong password.',
  },
  DATABASE_TIMEOUT: {
    kind: 'unavailable',
    message: 'The database did not answer within the deadline.',
    fix: 'Retry after `Retry-After`; the statement was abandoned and its connection closed. If it persists, the database is overloaded, frozen or a lock is held (see `details.deadlineMs`).',
  },
  DATABASE_TENANT_QUEUE_FULL: {
    kind: 'limited',
    message: 'The tenant already has as many database calls waiting for a connection as it may.',
    fix: 'Retry after `Retry-After`, or send fewer concurrent requests: each tenant gets its share of the connections (its plan\'s weight and cap, docs/noisy-neighbours.md) and a bounded queue.',
  },
  TENANT_WORK_IN_FLIGHT: {
    kind: 'unavailable',
    message: `The tenant's new status is committed, but app transactions that began before it are still running.`,
    fix: 'Retry later (deleting runs the wait again before it purges); a transaction that stays open for long holds every suspend, offboard and delete up to `drainTimeoutMs`.',
  },
  DATABASE_ERROR: {
    kind: 'internal',
    message: 'The database rejected the statement.',
    fix: 'See `details.sqlstate`; the server log has the cause. Statements are never echoed to clients.',
  },
  ISOLATION_VIOLATION: {
    kind: 'forbidden',
    message: 'The statement would read or write outside the tenant in context.',
    fix: 'Write rows only with the tenant id in context (leave `tenant_id` to its default), and run every statement inside withTenant().',
  },
  ISOLATION_STATEMENT_REFUSED: {
    kind: 'forbidden',
    message: 'The statement was refused because it could weaken tenant isolation.',
    fix: 'See `details.reason`: roles, the tenant setting, session-level SET, RLS DDL, COPY PROGRAM, DO blocks, transaction control, isolation levels above READ COMMITTED and Tenantry\'s internal tables are not for tenant code. Use scope.transaction() for transactions.',
  },
  UNIQUE_VIOLATION: {
    kind: 'conflict',
    message: 'A row with the same unique value already exists.',
    fix: 'Use another value, or update the existing row.',
  },
  FOREIGN_KEY_VIOLATION: {
    kind: 'conflict',
    message: 'The row refers to a row that does not exist, or is still referred to.',
    fix: 'Create the referenced row first, or delete the referring rows first.',
  },
  VALUE_INVALID: {
    kind: 'invalid',
    message: 'A value does not have the type or form the column expects.',
    fix: 'Check the parameter types (a UUID column needs a UUID string).',
  },
  TRANSACTION_CONFLICT: {
    kind: 'conflict',
    message: 'The transaction conflicted with a concurrent one or waited too long for a lock.',
    fix: 'Retry the whole transaction.',
  },
  TRANSACTION_CLOSED: {
    kind: 'internal',
    message: 'A statement was sent through a tenant transaction that has already ended.',
    fix: 'Await every query inside the withTenant callback; do not keep the transaction handle after it returns.',
  },
  TRANSACTION_IN_PROGRESS: {
    kind: 'internal',
    message: 'A statement was sent through the tenant scope while one of its transactions was open.',
    fix: 'Send it through the transaction handle (`tx.query`) or after the transaction ends.',
  },
  TRANSACTION_CONTROL_REFUSED: {
    kind: 'invalid',
    message: 'Transaction control (BEGIN, COMMIT …) is not sent as SQL through a tenant scope.',
    fix: 'Use `scope.transaction(fn)` or `db.transaction(tenantId, fn)`; for partial rollback, `tx.savepoint(fn)`.',
  },
  STATEMENT_TIMEOUT: {
    kind: 'limited',
    message: 'The statement took longer than the tenant is allowed.',
    fix: 'Make the query cheaper (an index that leads with tenant_id) or ask for a plan with a longer limit.',
  },
  MIGRATION_CHECKSUM_MISMATCH: {
    kind: 'internal',
    message: 'An applied migration file was edited after it ran.',
    fix: 'Restore the file as it was applied (see `details.version`) and put the change in a new migration.',
  },
  MIGRATION_MISSING: {
    kind: 'internal',
    message: 'A migration recorded as applied has no file.',
    fix: 'Restore the migration file named in `details.version`; applied migrations are never removed.',
  },
  MIGRATION_FAILED: {
    kind: 'internal',
    message: 'A migration failed and was rolled back.',
    fix: 'Fix the migration named in `details.version`; nothing of it was applied.',
  },
  TABLE_NOT_FOUND: {
    kind: 'not_found',
    message: 'The table does not exist.',
    fix: 'Create the table (as the owner role) before isolating it; names are `schema.table` or a table on the search path.',
  },
  TABLE_NOT_TENANT_SCOPED: {
    kind: 'invalid',
    message: 'The table has no uuid `tenant_id` column, so it cannot be isolated.',
    fix: 'Add `tenant_id uuid NOT NULL` to the table, or keep it out of tenant data.',
  },
  TABLE_KEY_NOT_TENANT_LED: {
    kind: 'invalid',
    message: 'A key or the indexes of the table do not lead with `tenant_id`.',
    fix: 'Make the primary key and every unique constraint start with tenant_id, e.g. PRIMARY KEY (tenant_id, id); see `details`.',
  },
  TABLE_POLICY_CONFLICT: {
    kind: 'conflict',
    message: 'The table already has row-level security policies Tenantry did not write.',
    fix: 'Drop the other permissive policies (they would widen access) or make them RESTRICTIVE.',
  },
  ADOPTION_BLOCKED: {
    kind: 'invalid',
    message: 'Some tables of the schema must change before Tenantry can isolate them (the adoption plan lists them).',
    fix: 'Read the plan\'s `blocked` tables: each names its problems and, where the fix is mechanical, the migration SQL; apply it, then run `tenantry adopt` again.',
  },
  FOREIGN_KEY_NOT_COMPOSITE: {
    kind: 'invalid',
    message: 'A foreign key between tenant tables does not include tenant_id, so a row can point at another tenant\'s row.',
    fix: 'Rebuild the foreign key as (tenant_id, …) REFERENCES target (tenant_id, …); the target needs a key that leads with tenant_id.',
  },
});

// Our own SQLSTATEs raised by the gate's policy (tenantry.refuse_tenant, migration 0012) and
// the lifecycle drain (class TN is unused by PostgreSQL).
const tenantGateErrors: Record<string, (cause: unknown) => TenantryError> = {
  TN504: (cause) => postgresErrors.create('TENANT_WORK_IN_FLIGHT', { cause }),
  TN404: (cause) => coreErrors.create('TENANT_NOT_FOUND', { cause }),
  TN403: (cause) => coreErrors.create('TENANT_SUSPENDED', { cause }),
  TN503: (cause) => coreErrors.create('TENANT_NOT_ACTIVE', { cause }),
  // A tenant transaction at REPEATABLE READ or SERIALIZABLE (migration 0010, rule 26).
  TN422: (cause) => postgresErrors.create('ISOLATION_STATEMENT_REFUSED', { details: { reason: 'tenant transactions run at READ COMMITTED: at REPEATABLE READ or SERIALIZABLE the snapshot predates the tenant gate, which could admit a tenant suspended or offboarded meanwhile' }, cause }),
};

const sqlstateErrors: Record<string, Parameters<typeof postgresErrors.create>[0]> = {
  '42501': 'ISOLATION_VIOLATION',
  '23505': 'UNIQUE_VIOLATION',
  // An exclusion constraint answers like a unique one (and must lead with tenant_id likewise).
  '23P01': 'UNIQUE_VIOLATION',
  '23503': 'FOREIGN_KEY_VIOLATION',
  '22P02': 'VALUE_INVALID',
  '22007': 'VALUE_INVALID',
  '22008': 'VALUE_INVALID',
  '22003': 'VALUE_INVALID',
  '23502': 'VALUE_INVALID',
  '23514': 'VALUE_INVALID',
  '40001': 'TRANSACTION_CONFLICT',
  '40P01': 'TRANSACTION_CONFLICT',
  '55P03': 'TRANSACTION_CONFLICT',
  '57014': 'STATEMENT_TIMEOUT',
  // invalid_password, and invalid_authorization_specification (an unknown role, no pg_hba entry).
  '28P01': 'DATABASE_LOGIN_REFUSED',
  '28000': 'DATABASE_LOGIN_REFUSED',
};

// 57P01 admin shutdown / pg_terminate_backend, 57P02 crash shutdown, 57P03 cannot connect now
// (starting up, recovering), class 08 connection exceptions, and the socket errors under them.
// postgres.js names a lost connection with codes of its own (CONNECTION_CLOSED …).
const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006',
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT',
]);

// What pg says when the socket is gone without a code: the connection ended under a statement
// ("Connection terminated unexpectedly"), a statement sent through a client whose connection
// already failed ("Client has encountered a connection error and is not queryable"), or the
// pool's acquire deadline ("timeout exceeded when trying to connect").
const unavailableMessage = /Connection terminated|connect ECONN|timeout exceeded when trying to connect|connection error and is not queryable/i;

/**
 * Turns a driver error into a TenantryError with a stable code. The server's message,
 * constraint names and values are never copied into it (they can name another tenant's
 * data, docs/isolation-rules.md rule 15); the original error is kept as `cause` for the log only.
 */
export function toTenantryError(err: unknown): TenantryError {
  if (isTenantryError(err)) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string') {
    const gate = tenantGateErrors[code];
    if (gate) return gate(err);
    const mapped = sqlstateErrors[code];
    if (mapped) return postgresErrors.create(mapped, { details: { sqlstate: code }, cause: err });
    if (unavailableCodes.has(code)) return postgresErrors.create('DATABASE_UNAVAILABLE', { cause: err });
    if (/^[0-9A-Z]{5}$/.test(code)) return postgresErrors.create('DATABASE_ERROR', { details: { sqlstate: code }, cause: err });
  }
  if (err instanceof Error && unavailableMessage.test(err.message)) {
    return postgresErrors.create('DATABASE_UNAVAILABLE', { cause: err });
  }
  return coreErrors.create('INTERNAL', { cause: err });
}
