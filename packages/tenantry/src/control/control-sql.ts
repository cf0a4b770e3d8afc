// How the control-plane services reach the database: tenant data through the caller's tenant
// scope or transaction (app role, row-level security), registries through the operator pool.
import { randomUUID } from 'node:crypto';
import { coreErrors } from '../core/index.js';
import { toTenantryError, withPoolTransaction, type SqlConnection, type SqlPool, type SqlQueryable, type TenantScope, type TenantTransaction } from '../postgres/index.js';
// The library-internal path (not in the package's exports): see postgres/internal.ts. The
// services' SQL is constant and names Tenantry's own tables, which the SQL guard keeps away
// from application statements.
import { unguardedQuery } from '../postgres/internal.js';
import type { Actor } from './permissions.js';
import { controlErrors } from './errors.js';

/**
 * What the tenant-side methods take: the handle `db.withTenant(id, (scope) => …)` or
 * `db.transaction(id, (tx) => …)` gives. Passing a transaction makes the change commit (or roll
 * back) with the caller's other statements, an audit event say.
 */
export type ControlScope = TenantScope | TenantTransaction;

/** The unguarded queryable of a real scope or transaction (anything else is refused). */
export function sqlOf(handle: ControlScope): SqlQueryable {
  return unguardedQuery(handle);
}

/** Runs `fn` in the caller's transaction, or in a new one of the caller's scope. */
export function inTransaction<T>(handle: ControlScope, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  return 'savepoint' in handle ? fn(handle) : handle.transaction(fn);
}

/** One statement on the operator pool, with the driver's error turned into a stable code. */
export async function operatorQuery<Row>(pool: SqlQueryable, text: string, values?: readonly unknown[]): Promise<Row[]> {
  try {
    return (await pool.query<Row>(text, values)).rows;
  } catch (err) {
    throw toTenantryError(err);
  }
}

/**
 * A transaction on one operator connection: committed when `work` resolves, else rolled back.
 * `connection` is that same connection, for work that must join the transaction (an audit
 * record): never take a second connection of the pool while holding this one.
 */
export function withOperatorTransaction<T>(pool: SqlPool, work: (c: SqlQueryable, connection: SqlConnection) => Promise<T>): Promise<T> {
  return withPoolTransaction(pool, (connection) =>
    work({ query: <Row>(text: string, values?: readonly unknown[]) => connection.query<Row>(text, values).catch((e: unknown) => { throw toTenantryError(e); }) }, connection),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A record id as callers pass it: a canonical UUID (lower-cased), or undefined — which every caller treats as "not found". */
export function recordId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.toLowerCase();
  return UUID.test(id) ? id : undefined;
}

/**
 * A new record id: a random UUID (docs/isolation-rules.md rule 8: ids people see say nothing
 * about volume).
 */
export const newRecordId = (): string => randomUUID();

// Control characters (newlines, NUL, escape …) have no place in names, ids and reasons: they
// forge log lines and break the table views that show them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A trimmed, single-line text field of `min`–`max` characters, or CONTROL_FIELD_INVALID. */
export function textField(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'string') throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'must be a string' } });
  const text = value.trim();
  if (text.length < min || text.length > max) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: `must be ${min}–${max} characters` } });
  if (CONTROL_CHARS.test(text)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'must not contain control characters' } });
  return text;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@.]+$/;

/** An email address, trimmed and lower-cased (how invitations and operators are matched). */
export function emailField(value: unknown, field = 'email'): string {
  const email = textField(value, field, 3, 320).toLowerCase();
  if (!EMAIL.test(email)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'not an email address' } });
  return email;
}

/** An optional expiry: absent, or a valid Date after `now`. */
export function expiryField(value: unknown, now: Date, field = 'expiresAt'): Date | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'must be a Date' } });
  if (value.getTime() <= now.getTime()) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'must be in the future' } });
  return value;
}

/** Checks the actor's shape (its id is stored as who did it). */
export function checkActor(actor: Actor): Actor {
  if (typeof actor !== 'object' || actor === null || !Array.isArray(actor.permissions)) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'actor', reason: 'must be { id, permissions }' } });
  }
  textField(actor.id, 'actor.id', 1, 256);
  return actor;
}
