// What a test needs to assert that something failed, and with which code: one copy for the
// library's tests, the suite's and an application's, instead of a `failure`/`codeOf`/`thrown`
// in every test file.
import { isTenantryError } from '../core/index.js';

/** Work that may fail: a promise, or a function that throws (or returns a promise that rejects). */
export type FailingWork = Promise<unknown> | (() => unknown);

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

const describe = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : JSON.stringify(err) ?? 'undefined');

/**
 * The error `work` threw or rejected with, or `undefined` when it succeeded. A promise, or a
 * function returning one, gives a promise; a synchronous function gives the error itself.
 *
 * @example expect(await errorOf(db.withTenant(gone, work))).toMatchObject({ code: 'TENANT_NOT_FOUND' });
 * @example expect(errorOf(() => parseSlug('x'))).toBeInstanceOf(TenantryError);
 */
export function errorOf(work: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown>;
export function errorOf(work: () => unknown): unknown;
export function errorOf(work: FailingWork): unknown;
export function errorOf(work: FailingWork): unknown {
  if (typeof work !== 'function') return work.then(() => undefined, (err: unknown) => err);
  let result: unknown;
  try {
    result = work();
  } catch (err) {
    return err;
  }
  return isThenable(result) ? Promise.resolve(result).then(() => undefined, (err: unknown) => err) : undefined;
}

/**
 * The code of `err`: a TenantryError's code, a driver error's code (a PostgreSQL SQLSTATE, say),
 * `undefined` for no error, and `not a TenantryError: <message>` for anything else, so that an
 * unexpected error never compares equal to an expected code.
 */
export function codeOfError(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (isTenantryError(err)) return err.code;
  const code: unknown = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined; // a driver's error: a SQLSTATE, say
  if (typeof code === 'string') return code;
  return `not a TenantryError: ${describe(err)}`;
}

/**
 * The code `work` failed with (see {@link codeOfError}), or `undefined` when it succeeded.
 *
 * @example expect(await codeOf(keys.revoke(tenant, 'missing'))).toBe('API_KEY_NOT_FOUND');
 * @example expect(codeOf(() => parseOrigin('ftp://x'))).toBe('ORIGIN_INVALID');
 */
export function codeOf(work: Promise<unknown> | (() => Promise<unknown>)): Promise<string | undefined>;
export function codeOf(work: () => unknown): string | undefined;
export function codeOf(work: FailingWork): string | undefined | Promise<string | undefined>;
export function codeOf(work: FailingWork): unknown {
  const err = errorOf(work as () => unknown);
  return isThenable(err) ? Promise.resolve(err).then(codeOfError) : codeOfError(err);
}

/** The error `promise` rejected with; throws when it resolved instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/**
 * Asserts that `work` fails with a TenantryError of one of `codes`; the error says what came
 * instead (another code and its details, another error, or success).
 *
 * @example await expectCode(db.withTenant(suspended, work), 'TENANT_SUSPENDED');
 * @example await expectCode(() => parseSlug('UPPER'), 'SLUG_INVALID');
 */
export async function expectCode(work: FailingWork, ...codes: string[]): Promise<void> {
  const err = await errorOf(work as () => Promise<unknown>);
  if (err === undefined) throw new Error(`expected ${codes.join(' or ')}, got no error`);
  if (!isTenantryError(err) || !codes.includes(err.code)) {
    const got = isTenantryError(err) ? `${err.code} ${JSON.stringify(err.details)}` : describe(err);
    throw new Error(`expected ${codes.join(' or ')}, got ${got}`, { cause: err });
  }
}
