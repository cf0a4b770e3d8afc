// Hono glue: a middleware that resolves the tenant and awaits `next` inside its context, and an
// error handler that answers application/problem+json. Translation only.
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  createTenantMiddlewareCore, httpErrors, problemHeaders, toProblem,
  type Problem, type ProblemContext, type TenantMiddlewareOptions,
} from '../http/index.js';
import type { TenantRequest } from '../resolve/index.js';

export interface HonoProblemOptions {
  readonly problemTypeBase?: string;
  /** The id quoted in problem bodies. Default: none. */
  readonly requestId?: (c: Context) => string | undefined;
  /** Default: `console.error` of the cause for server faults (as Hono's own handler does), nothing for refusals. */
  readonly onProblem?: (problem: Problem, c: Context) => void;
}

export interface TenantryHonoOptions extends TenantMiddlewareOptions, HonoProblemOptions {}

const logProblem = (problem: Problem): void => {
  if (problem.log === 'error') console.error(problem.error);
};

const response = (problem: Problem): Response =>
  new Response(JSON.stringify(problem.body), { status: problem.status, headers: problemHeaders(problem) });

const contextOf = (requestId: HonoProblemOptions['requestId'], c: Context): ProblemContext => {
  const id = requestId?.(c);
  return id === undefined ? {} : { requestId: id };
};

// c.req.path is the path Hono routes on; header names are case-insensitive in the Fetch API.
const tenantRequestOf = (c: Context): TenantRequest => ({ host: c.req.header('host'), path: c.req.path, header: (name) => c.req.header(name) });

/**
 * @example
 * app.onError(honoProblemHandler());
 * app.use(tenantryHono({ resolver, skip: (req) => req.path === '/health' }));
 * app.get('/me', (c) => c.json(requireTenant()));
 */
export function tenantryHono(options: TenantryHonoOptions): MiddlewareHandler {
  const { requestId, onProblem = logProblem, ...core } = options;
  const resolveTenant = createTenantMiddlewareCore(core);
  return async (c, next) => {
    const result = await resolveTenant(tenantRequestOf(c), contextOf(requestId, c));
    if (!result.ok) {
      onProblem(result.problem, c);
      return response(result.problem);
    }
    await result.run(() => next());
  };
}

/**
 * Answers every error as problem+json. Hono's own request errors (an HTTPException of 400, 413
 * or 415, as its validator and body limit throw) become REQUEST_INVALID; any other
 * HTTPException is a response the app chose (a 401 with its WWW-Authenticate) and is kept.
 *
 * @example app.onError(honoProblemHandler());
 */
export function honoProblemHandler(options: HonoProblemOptions = {}): ErrorHandler {
  const { onProblem = logProblem } = options;
  return (err, c) => {
    if (err instanceof HTTPException && ![400, 413, 415].includes(err.status)) return err.getResponse();
    const problem = toProblem(err instanceof HTTPException ? httpErrors.create('REQUEST_INVALID', { cause: err }) : err, {
      ...contextOf(options.requestId, c),
      ...(options.problemTypeBase === undefined ? {} : { typeBase: options.problemTypeBase }),
    });
    onProblem(problem, c);
    return response(problem);
  };
}
