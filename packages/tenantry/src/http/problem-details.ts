// Anything thrown → an RFC 9457 problem body (https://www.rfc-editor.org/rfc/rfc9457): a
// TenantryError by its kind and stable code, anything else as INTERNAL whose cause goes to the
// log only. Framework-neutral: adapters send what this returns.
import {
  coreErrors, errorRegistries, isTenantryError,
  type ErrorDetails, type ErrorKind, type ErrorSpec, type TenantryError,
} from '../core/index.js';
import { STATUS_BY_KIND } from './status-for-kind.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The default base of `type`. A URN, not a URL: no page is published per code (docs/errors.md
 * lists them), and RFC 9457 §3.1.1 wants a locator to dereference to documentation. A type
 * URI must never change once clients match on it, so this is also what the server answered
 * before http/ existed.
 */
export const DEFAULT_PROBLEM_TYPE_BASE = 'urn:tenantry:error:';

// One title per kind, so one `type` (one code, one kind) always has the same title (§3.1.3).
const TITLE_BY_KIND: Readonly<Record<ErrorKind, string>> = Object.freeze({
  invalid: 'Bad Request',
  unauthenticated: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not Found',
  conflict: 'Conflict',
  too_large: 'Content Too Large',
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
  /** TenantryError.details, nested (not spread) so a detail can never overwrite `status` or `type`. */
  readonly details?: ErrorDetails;
  readonly instance?: string;
  /** Quoted back in support requests; the request's log lines carry the same id. */
  readonly requestId?: string;
}

/** What one request's problem response needs, per request. */
export interface ProblemContext {
  readonly instance?: string;
  readonly requestId?: string;
}

export interface ProblemOptions extends ProblemContext {
  /** Prefix of `type`, followed by the code. Default {@link DEFAULT_PROBLEM_TYPE_BASE}. */
  readonly typeBase?: string;
}

export interface Problem {
  readonly status: number;
  readonly contentType: typeof PROBLEM_CONTENT_TYPE;
  readonly body: ProblemDetails;
  /** The error the body was made from: the TenantryError itself, or INTERNAL wrapping the thrown value. */
  readonly error: TenantryError;
  /** The original thrown value (or the TenantryError's own cause), for the log only: never in `body`. */
  readonly cause: unknown;
  /** `error`: a server fault, log it with its cause; `none`: the caller's mistake, already explained. */
  readonly log: 'error' | 'none';
  /**
   * Seconds for the `Retry-After` header, or undefined when the answer says nothing about
   * retrying: every `unavailable` error (503: a dependency failed or a deadline passed, the same
   * request can succeed later) and any error whose details carry `retryAfterSeconds`.
   */
  readonly retryAfterSeconds: number | undefined;
}

/** Retry-After of a 503 that does not say better: soon, but not in a tight loop. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

function retryAfterOf(error: TenantryError): number | undefined {
  const stated = error.details.retryAfterSeconds;
  if (typeof stated === 'number' && Number.isFinite(stated) && stated >= 0) return Math.ceil(stated);
  return error.kind === 'unavailable' ? DEFAULT_RETRY_AFTER_SECONDS : undefined;
}

/**
 * The headers of a problem response: its content type and, when it has one, Retry-After.
 *
 * @example
 * res.writeHead(problem.status, problemHeaders(problem)).end(JSON.stringify(problem.body));
 */
export function problemHeaders(problem: Pick<Problem, 'contentType' | 'retryAfterSeconds'>): Record<string, string> {
  return problem.retryAfterSeconds === undefined
    ? { 'content-type': problem.contentType }
    : { 'content-type': problem.contentType, 'retry-after': String(problem.retryAfterSeconds) };
}

/**
 * @example problemType('TENANT_NOT_FOUND') // 'urn:tenantry:error:TENANT_NOT_FOUND'
 */
export function problemType(code: string, typeBase: string = DEFAULT_PROBLEM_TYPE_BASE): string {
  return `${typeBase}${code}`;
}

/**
 * A server fault's message may have been overridden to describe our own state ("a statement
 * of the audit transaction was swallowed"); callers get the registry's sentence for the code.
 */
function detailOf(error: TenantryError): string {
  if (error.kind !== 'internal') return error.message;
  for (const registry of errorRegistries()) {
    const spec = (registry.specs as Readonly<Record<string, ErrorSpec | undefined>>)[error.code];
    if (spec) return spec.message;
  }
  return coreErrors.specs.INTERNAL.message;
}

/** Details that JSON cannot carry (a BigInt, a cycle) are left out rather than failing the response. */
function serializable(details: ErrorDetails): boolean {
  try {
    JSON.stringify(details);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns anything thrown into a status and a problem body. Only a TenantryError's code, message
 * and `details` (safe by contract) reach the body; anything else becomes INTERNAL and neither
 * its message nor its stack is shown (they can carry SQL, paths or another tenant's values).
 *
 * @example
 * const problem = toProblem(err, { requestId: req.id });
 * if (problem.log === 'error') logger.error({ err: problem.cause }, problem.body.code);
 * res.writeHead(problem.status, { 'content-type': problem.contentType }).end(JSON.stringify(problem.body));
 */
export function toProblem(err: unknown, options: ProblemOptions = {}): Problem {
  const error = isTenantryError(err) ? err : coreErrors.create('INTERNAL', { cause: err });
  const status = STATUS_BY_KIND[error.kind];
  const showDetails = Object.keys(error.details).length > 0 && serializable(error.details);
  const body: ProblemDetails = {
    type: problemType(error.code, options.typeBase),
    title: TITLE_BY_KIND[error.kind],
    status,
    detail: detailOf(error),
    code: error.code,
    ...(showDetails ? { details: error.details } : {}),
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
  return {
    status,
    contentType: PROBLEM_CONTENT_TYPE,
    body,
    error,
    cause: error.cause,
    log: status >= 500 ? 'error' : 'none',
    retryAfterSeconds: retryAfterOf(error),
  };
}
