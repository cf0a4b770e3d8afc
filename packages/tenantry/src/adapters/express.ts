// Express glue: a middleware that resolves the tenant and calls `next` inside its context, and
// an error handler that answers application/problem+json. Translation only.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import {
  createTenantMiddlewareCore, httpErrors, nodeTenantRequest, problemHeaders, toProblem,
  type Problem, type ProblemContext, type TenantMiddlewareOptions,
} from '../http/index.js';

export interface ExpressProblemOptions {
  readonly problemTypeBase?: string;
  /** The id quoted in problem bodies. Default: none. */
  readonly requestId?: (request: Request) => string | undefined;
  /** Default: `console.error` of the cause for server faults (as Express's own handler does), nothing for refusals. */
  readonly onProblem?: (problem: Problem, request: Request) => void;
}

export interface TenantryExpressOptions extends TenantMiddlewareOptions, ExpressProblemOptions {}

const logProblem = (problem: Problem): void => {
  if (problem.log === 'error') console.error(problem.error);
};

function send(res: Response, problem: Problem): void {
  // `end`, not `send`: Express would add `; charset=utf-8`, which JSON media types do not define.
  res.status(problem.status).set(problemHeaders(problem)).end(JSON.stringify(problem.body));
}

const contextOf = (requestId: ExpressProblemOptions['requestId'], request: Request): ProblemContext => {
  const id = requestId?.(request);
  return id === undefined ? {} : { requestId: id };
};

/**
 * @example
 * app.use(tenantryExpress({ resolver, skip: (req) => req.path === '/health' }));
 * app.get('/me', (req, res) => res.json(requireTenant()));
 * app.use(expressProblemHandler());
 */
export function tenantryExpress(options: TenantryExpressOptions): RequestHandler {
  const { requestId, onProblem = logProblem, ...core } = options;
  const resolveTenant = createTenantMiddlewareCore(core);
  return (req, res, next) =>
    // originalUrl: the path the app routes on, not the part left under a mount point.
    resolveTenant(nodeTenantRequest(req.headers, req.originalUrl), contextOf(requestId, req))
      .then((result) => {
        if (result.ok) return result.run(() => next());
        onProblem(result.problem, req);
        return send(res, result.problem);
      })
      .catch(next);
}

/**
 * Answers every error as problem+json; install it after the routes. Errors body-parser raises
 * while reading the request (a 4xx `status`, `expose` and a `type` such as
 * `entity.parse.failed`) become REQUEST_INVALID.
 *
 * @example app.use(expressProblemHandler());
 */
export function expressProblemHandler(options: ExpressProblemOptions = {}): ErrorRequestHandler {
  const { onProblem = logProblem } = options;
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, expose, type } = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; expose?: unknown; type?: unknown };
    const clientError = typeof status === 'number' && status >= 400 && status < 500 && expose === true && typeof type === 'string';
    const problem = toProblem(clientError ? httpErrors.create('REQUEST_INVALID', { cause: err }) : err, {
      ...contextOf(options.requestId, req),
      ...(options.problemTypeBase === undefined ? {} : { typeBase: options.problemTypeBase }),
    });
    onProblem(problem, req);
    send(res, problem);
  };
}
