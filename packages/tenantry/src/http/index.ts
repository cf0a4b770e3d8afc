// The framework-neutral HTTP layer: request → tenant context, and anything thrown → an
// application/problem+json response. The adapters (tenantry/adapters/*) only translate.
export { httpErrors } from './errors.js';
export { STATUS_BY_KIND, statusForKind } from './status-for-kind.js';
export { DEFAULT_PROBLEM_TYPE_BASE, DEFAULT_RETRY_AFTER_SECONDS, PROBLEM_CONTENT_TYPE, problemHeaders, problemType, toProblem } from './problem-details.js';
export type { Problem, ProblemContext, ProblemDetails, ProblemOptions } from './problem-details.js';
export { createTenantMiddlewareCore } from './resolve-request.js';
export type { TenantMiddlewareCore, TenantMiddlewareOptions, TenantResolution } from './resolve-request.js';
export { nodeTenantRequest } from './node-request.js';
