// The one table that turns an error kind into an HTTP status. Nothing below http/ knows a
// status: capabilities throw a kind, the edge answers with this.
import type { ErrorKind } from '../core/index.js';

/**
 * The HTTP status of each error kind (docs/errors.md shows the same table; a test keeps them
 * in step). Keyed by the closed kind set, so a new kind does not compile until it has a status.
 */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  limited: 429,
  unavailable: 503,
  internal: 500,
});

/**
 * @example statusForKind('not_found') // 404
 */
export function statusForKind(kind: ErrorKind): number {
  return STATUS_BY_KIND[kind];
}
