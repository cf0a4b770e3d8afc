// Fastify glue: a plugin that resolves the tenant in onRequest and runs the route inside its
// context, and an error handler that answers application/problem+json. Translation only.
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import {
  createTenantMiddlewareCore, httpErrors, nodeTenantRequest, problemHeaders, toProblem,
  type Problem, type ProblemContext, type TenantMiddlewareCore, type TenantMiddlewareOptions,
} from '../http/index.js';

export interface FastifyProblemOptions {
  readonly problemTypeBase?: string;
  /** The id quoted in problem bodies, e.g. `(req) => req.id`. Default: none. */
  readonly requestId?: (request: FastifyRequest) => string | undefined;
  /** Default: `request.log.error` with the cause for server faults, nothing for refusals. */
  readonly onProblem?: (problem: Problem, request: FastifyRequest) => void;
}

export interface TenantryFastifyOptions extends TenantMiddlewareOptions, FastifyProblemOptions {}

const logProblem = (problem: Problem, request: FastifyRequest): void => {
  if (problem.log === 'error') request.log.error({ err: problem.cause }, `${problem.body.code}: ${problem.error.message}`);
};

function send(reply: FastifyReply, problem: Problem): FastifyReply {
  // A Buffer, not a string: Fastify would add `; charset=utf-8`, which JSON media types do not define.
  return reply.code(problem.status).headers(problemHeaders(problem)).send(Buffer.from(JSON.stringify(problem.body)));
}

const contextOf = (requestId: FastifyProblemOptions['requestId'], request: FastifyRequest): ProblemContext => {
  const id = requestId?.(request);
  return id === undefined ? {} : { requestId: id };
};

const plugin: FastifyPluginCallback<TenantryFastifyOptions> = (app, options, done) => {
  const { requestId, onProblem = logProblem, ...rest } = options;
  // Fastify hands the plugin its own register options too; they are not ours to validate.
  const { prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...core } = rest as typeof rest & Record<'prefix' | 'logLevel' | 'logSerializers', unknown>;
  let resolveTenant: TenantMiddlewareCore;
  try {
    resolveTenant = createTenantMiddlewareCore(core);
  } catch (err) {
    return done(err as Error); // a bad option fails `register`, not the process
  }
  // Callback style on purpose: `next()` called inside `run` starts the rest of the chain in the
  // tenant context; an async hook's continuation would run outside it. Fastify itself carries
  // the context across body parsing (its content-type parser runs `done` in an AsyncResource
  // of the request), so no later hook has to re-enter it: the conformance suite checks that
  // with a body sent after the headers.
  app.addHook('onRequest', (request, reply, next) => {
    resolveTenant(nodeTenantRequest(request.headers, request.url), contextOf(requestId, request))
      .then((result) => {
        if (!result.ok) {
          onProblem(result.problem, request);
          return void send(reply, result.problem);
        }
        result.run(() => next());
      })
      .catch((err: unknown) => next(err as Error));
  });
  done();
};
// Like fastify-plugin: the hooks apply to the scope that registers the plugin, not only inside it.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'tenantry' });

/**
 * @example
 * app.setErrorHandler(fastifyProblemHandler({ requestId: (req) => req.id }));
 * await app.register(tenantryFastify, { resolver, skip: (req) => req.path === '/health' });
 * app.get('/me', async () => requireTenant());
 */
export const tenantryFastify = plugin;

/**
 * Answers every error as problem+json. Fastify's own request errors (an FST_ code with a 4xx
 * status: a body that is not JSON, too large, of an unknown type) become REQUEST_INVALID.
 *
 * @example app.setErrorHandler(fastifyProblemHandler());
 */
export function fastifyProblemHandler(options: FastifyProblemOptions = {}) {
  const { onProblem = logProblem } = options;
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const clientError = typeof err.code === 'string' && err.code.startsWith('FST_') && (err.statusCode ?? 500) < 500;
    const problem = toProblem(clientError ? httpErrors.create('REQUEST_INVALID', { cause: err }) : err, {
      ...contextOf(options.requestId, request),
      ...(options.problemTypeBase === undefined ? {} : { typeBase: options.problemTypeBase }),
    });
    onProblem(problem, request);
    return send(reply, problem);
  };
}
