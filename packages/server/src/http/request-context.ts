// The request id of the request the current async call chain serves, so that every log line
// written for it (by any logger, not only request.log) can carry it; entered by the telemetry
// plugin's first hook, read by the logger's mixin.
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

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
  return storage.run(requestId, fn);
}

/** The id of the request being served, or undefined outside one. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}
