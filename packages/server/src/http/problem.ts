// Framework-neutral rendering of errors as RFC 9457 problem details, with the one table that
// turns an error kind into an HTTP status. Meant to move to the library's http/ layer as is.
import { coreErrors, isTenantryError, type ErrorDetails, type ErrorKind, type TenantryError } from 'tenantry';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The only place an error kind becomes an HTTP status. */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  limited: 429,
  unavailable: 503,
  internal: 500,
});

// Titles are per kind, so one `type` (one code, one kind) always has the same title (RFC 9457 §3.1.3).
const TITLE_BY_KIND: Readonly<Record<ErrorKind, string>> = Object.freeze({
  invalid: 'Bad Request',
  unauthenticated: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not Found',
  conflict: 'Conflict',
  limited: 'Too Many Requests',
  unavailable: 'Service Unavailable',
  internal: 'Internal Server Error',
});

/** An RFC 9457 body plus Tenantry's stable `code` and the caller-safe `details`. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly details?: ErrorDetails;
  /** Quoted back in support requests; the log lines of the request carry the same id. */
  readonly requestId?: string;
}

export interface RenderedProblem {
  readonly status: number;
  readonly body: ProblemDetails;
  /** The error the body was made from (INTERNAL wrapping the original for anything else). */
  readonly error: TenantryError;
  /** `error`: a server fault, log it with its cause; `none`: the caller's mistake, already explained. */
  readonly log: 'error' | 'none';
}

/**
 * The problem `type` of a code. A URN, not a URL: there is no published page per code yet
 * (docs/errors.md lists them), and a type URI must never change once clients match on it.
 *
 * @example problemType('TENANT_NOT_FOUND') // 'urn:tenantry:error:TENANT_NOT_FOUND'
 */
export function problemType(code: string): string {
  return `urn:tenantry:error:${code}`;
}

/**
 * Turns anything thrown into a status and problem body. A TenantryError keeps its code, message
 * and details; anything else becomes INTERNAL and its message is never shown (it can carry
 * SQL, paths or another tenant's values), only kept as the cause for the log.
 *
 * @example
 * const { status, body } = toProblem(err, { requestId: req.id });
 * reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body);
 */
export function toProblem(err: unknown, options: { readonly requestId?: string } = {}): RenderedProblem {
  const error = isTenantryError(err) ? err : coreErrors.create('INTERNAL', { cause: err });
  const status = STATUS_BY_KIND[error.kind];
  const body: ProblemDetails = {
    type: problemType(error.code),
    title: TITLE_BY_KIND[error.kind],
    status,
    detail: error.message,
    code: error.code,
    ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
  return { status, body, error, log: status >= 500 ? 'error' : 'none' };
}
