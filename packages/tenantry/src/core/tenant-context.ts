// The tenant context: which tenant the current async call chain works for, carried by
// AsyncLocalStorage so that it survives awaits, timers and streams without being passed along.
// The same store carries the id of the request being served (for log lines): every
// AsyncLocalStorage costs a copy on every promise the process creates, so one store carries both.
import { AsyncLocalStorage } from 'node:async_hooks';
import { coreErrors } from './errors.js';
import type { TenantId } from './tenant-id.js';

/** The tenant in context plus how it was resolved (for logs, metrics and audit). */
export interface TenantContext {
  readonly tenantId: TenantId;
  /** The slug at resolution time, when known (slugs can change; ids cannot). */
  readonly slug?: string;
  /** The strategy that resolved it: 'header', 'subdomain', 'jwt', 'job', 'cli', … */
  readonly resolvedBy: string;
}

export interface TenantContextInit {
  readonly tenantId: TenantId;
  readonly slug?: string;
  readonly resolvedBy?: string;
}

/** What the store holds: the tenant (if any) and the request id (if any), each set on its own. */
interface ContextFrame {
  readonly tenant: TenantContext | undefined;
  readonly requestId: string | undefined;
}

// One storage for the process: the context must be visible to every library instance that
// runs in the same call chain, so this is the one deliberate module-level singleton.
const storage = new AsyncLocalStorage<ContextFrame>();

/**
 * Runs `fn` with `tenant` in context. Uses `AsyncLocalStorage.run` (never `enterWith`, which
 * leaks the context into the caller's continuation). Nesting a different tenant throws
 * `TENANT_CONTEXT_CONFLICT`: work for tenant B started inside A's request is almost always a
 * bug, and it must start from a context-free scope (a job, say) instead.
 *
 * @example
 * await runWithTenant({ tenantId, resolvedBy: 'job' }, () => db.withCurrentTenant(work));
 */
export function runWithTenant<T>(tenant: TenantId | TenantContextInit, fn: () => T): T {
  const init: TenantContextInit = typeof tenant === 'string' ? { tenantId: tenant } : tenant;
  const frame = storage.getStore();
  const outer = frame?.tenant;
  if (outer !== undefined && outer.tenantId !== init.tenantId) throw coreErrors.create('TENANT_CONTEXT_CONFLICT');
  const context: TenantContext = Object.freeze({
    tenantId: init.tenantId,
    resolvedBy: init.resolvedBy ?? outer?.resolvedBy ?? 'explicit',
    ...(init.slug !== undefined ? { slug: init.slug } : outer?.slug !== undefined ? { slug: outer.slug } : {}),
  });
  return storage.run({ tenant: context, requestId: frame?.requestId }, fn);
}

/**
 * Runs `fn` with no tenant in context, whatever the caller had. Workers use it between jobs
 * so that one job's tenant can never be seen by the next.
 */
export function runWithoutTenant<T>(fn: () => T): T {
  const requestId = storage.getStore()?.requestId;
  // The request id stays: lines logged for the request still name it.
  return requestId === undefined ? storage.exit(fn) : storage.run({ tenant: undefined, requestId }, fn);
}

/** The tenant in context, or `undefined` when there is none. */
export function currentTenant(): TenantContext | undefined {
  return storage.getStore()?.tenant;
}

/**
 * Runs `fn` with `requestId` as the id of the request being served (the tenant in context, if
 * any, stays). Framework glue calls it once per request, first; loggers read it back.
 *
 * @example app.addHook('onRequest', (request, _reply, next) => runWithRequestId(request.id, next));
 */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ tenant: storage.getStore()?.tenant, requestId }, fn);
}

/** The id of the request being served, or `undefined` outside one. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/**
 * The tenant in context; throws `TENANT_CONTEXT_MISSING` when there is none (fail closed).
 *
 * @example const { tenantId } = requireTenant();
 */
export function requireTenant(): TenantContext {
  const context = storage.getStore()?.tenant;
  if (context === undefined) throw coreErrors.create('TENANT_CONTEXT_MISSING');
  return context;
}

/**
 * Binds `fn` to the tenant context in force now, for callbacks that an emitter or a pool will
 * call later from some other async context (EventEmitter listeners run in the emitter's
 * context, not the registrant's).
 *
 * @example socket.on('data', bindTenantContext((chunk) => handle(chunk)));
 */
export function bindTenantContext<F extends (...args: never[]) => unknown>(fn: F): F {
  return AsyncLocalStorage.bind(fn);
}
