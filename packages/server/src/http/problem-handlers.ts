// Fastify glue for the library's problem+json rendering (tenantry/http): every error, every
// unmatched route and every URL the router cannot read leaves as application/problem+json.
// Translation only; the status table lives in the library.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTenantryError } from 'tenantry';
import { httpErrors, problemHeaders, toProblem, type Problem } from 'tenantry/http';

/** Control-plane bodies are small JSON documents; a larger one is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** The longest path parameter the router accepts (Fastify's `maxParamLength`, counted percent-encoded): a 256-character user id fits. */
export const MAX_PARAM_LENGTH = 2048;

/**
 * Fastify's own client errors (a body that is not JSON, a failed schema) are the caller's
 * mistake, not an internal fault: they carry a 4xx status and an FST_ code, and their messages
 * describe the request only, so they are safe to pass on as the reason. The few a client acts
 * on get their own code (a body over the limit is 413, as HTTP says).
 */
function fromFastify(err: unknown): unknown {
  if (isTenantryError(err) || typeof err !== 'object' || err === null) return err;
  const { statusCode, code, message } = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  const clientError = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
  if (!clientError || typeof code !== 'string' || !code.startsWith('FST_')) return err;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return httpErrors.create('REQUEST_BODY_TOO_LARGE', { details: { limitBytes: BODY_LIMIT_BYTES }, cause: err });
    case 'FST_ERR_BAD_URL': return httpErrors.create('URL_INVALID', { cause: err });
    case 'FST_ERR_MAX_PARAM_LENGTH': return httpErrors.create('URL_PARAMETER_TOO_LONG', { details: { maxLength: MAX_PARAM_LENGTH }, cause: err });
    default: return httpErrors.create('REQUEST_INVALID', { details: { reason: String(message) }, cause: err });
  }
}

// Codes answered to every request while a watched dependency is down (the rate limiter logs
// one warning per Redis outage and one line when it ends).
const OUTAGE_REFUSALS: ReadonlySet<string> = new Set(['RATE_LIMIT_UNAVAILABLE']);

/**
 * One log line per problem answered: a server fault at error level with its cause, a refusal
 * (4xx) at info with its code. A refusal under a dependency outage is no fault of this request:
 * the outage is logged once where it is watched, and the refusals are counted by the metrics
 * (error codes), so each is logged at debug only. Also the tenant plugin's `onProblem`.
 *
 * @example await scope.register(tenantryFastify, { resolver, onProblem: logProblem });
 */
export function logProblem(problem: Problem, request: FastifyRequest): void {
  const { error, log } = problem;
  // The cause goes to the log only; the body has the code and caller-safe details.
  if (OUTAGE_REFUSALS.has(error.code)) request.log.debug({ code: error.code }, 'request refused during an outage');
  else if (log === 'error') request.log.error({ err: error }, `${error.code}: ${error.message}`);
  else request.log.info({ code: error.code }, 'request refused');
}

function send(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const problem = toProblem(fromFastify(err), { requestId: request.id });
  logProblem(problem, request);
  // Exactly application/problem+json, as the library's adapters send it (docs/http.md): a
  // Buffer, so Fastify adds no charset of its own. A 503 tells the client to come back
  // (Retry-After); a rate-limit answer set its own already.
  return reply.code(problem.status).headers(problemHeaders(problem)).send(Buffer.from(JSON.stringify(problem.body)));
}

/**
 * Fastify's `frameworkErrors`: URLs the router cannot decode (`%ud800`) or whose parameter is
 * over {@link MAX_PARAM_LENGTH} answer problem+json like every other error, not Fastify's JSON.
 *
 * @example Fastify({ frameworkErrors: answerFrameworkError, routerOptions: { maxParamLength: MAX_PARAM_LENGTH } })
 */
export function answerFrameworkError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  void send(request, reply, err);
}

/**
 * Installs the error and not-found handlers. Call before registering routes so every plugin
 * inherits them.
 *
 * @example
 * const app = Fastify({ loggerInstance: logger });
 * installProblemHandlers(app);
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => send(request, reply, err));
  app.setNotFoundHandler((request, reply) => send(request, reply, httpErrors.create('ROUTE_NOT_FOUND')));
}
