// A deadline for all database work of one unit (an HTTP request, a job): every statement and
// every wait for a pooled connection started inside `withDatabaseDeadline` must finish before it,
// on the client side, so a frozen or unreachable server costs a caller the deadline and no more.
import { AsyncLocalStorage } from 'node:async_hooks';
import { postgresErrors } from './errors.js';

interface Deadline {
  /** performance.now() when the deadline passes: monotonic, unaffected by wall-clock changes. */
  readonly at: number;
  readonly ms: number;
}

const storage = new AsyncLocalStorage<Deadline>();

/**
 * Runs `fn` with a deadline `ms` from now for its database work (the sooner one wins when
 * nested). A statement still running at the deadline is abandoned: its connection is closed and
 * destroyed, and the caller gets DATABASE_TIMEOUT (503, retryable).
 *
 * @example
 * await withDatabaseDeadline(5_000, () => db.withTenant(id, (s) => s.query('SELECT …')));
 */
export function withDatabaseDeadline<T>(ms: number, fn: () => T): T {
  const at = performance.now() + ms;
  const outer = storage.getStore();
  return storage.run(outer !== undefined && outer.at <= at ? outer : { at, ms }, fn);
}

/** Milliseconds left before the current deadline (≤ 0: passed), and its full length; undefined outside one. */
export function remainingDeadline(): { readonly remainingMs: number; readonly deadlineMs: number } | undefined {
  const deadline = storage.getStore();
  return deadline === undefined ? undefined : { remainingMs: deadline.at - performance.now(), deadlineMs: deadline.ms };
}

/**
 * A connection from `take` (a driver's pool), waiting no longer than the deadline in context
 * (DATABASE_TIMEOUT past it; outside one, as long as the pool's own timeout). A connection the
 * pool hands over after the caller gave up goes straight back through `giveBack`.
 */
export async function connectWithinDeadline<C>(take: () => Promise<C>, giveBack: (connection: C) => void): Promise<C> {
  const context = remainingDeadline();
  if (context === undefined) return take();
  const { remainingMs, deadlineMs } = context;
  if (remainingMs <= 0) throw postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs } });
  const pending = take();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(postgresErrors.create('DATABASE_TIMEOUT', { details: { deadlineMs } })), remainingMs);
  });
  try {
    return await Promise.race([pending, late]);
  } catch (err) {
    pending.then(giveBack, () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
