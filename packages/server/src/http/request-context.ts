// The request id of the request the current async call chain serves, so that every log line
// written for it (by any logger, not only request.log) can carry it; entered by the telemetry
// plugin's first hook, read by the logger's mixin. It rides in the library's tenant context
// store (one AsyncLocalStorage for both: each one costs a copy on every promise created).
import { currentRequestId as currentInContext, runWithRequestId as runInContext } from 'tenantry';

/**
 * Marks a logger whose bindings already hold `reqId` (Fastify's request child logger), so the
 * mixin does not write the key twice. Set on the child; pino's children inherit it by prototype.
 */
export const REQUEST_ID_BOUND: unique symbol = Symbol('tenantry.requestIdBound');

/**
 * Runs `fn` with `requestId` as the current request id.
 *
 * @example app.addHook('onRequest', (request, _reply, next) => runWithRequestId(request.id, next));
 */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return runInContext(requestId, fn);
}

/** The id of the request being served, or undefined outside one. */
export function currentRequestId(): string | undefined {
  return currentInContext();
}
