// The one request → tenant step every adapter runs: skip or resolve, admit through an optional
// hook, and answer either "run the rest inside this tenant context" or a problem to send.
// Adapters only translate a framework request in and this result out.
import { coreErrors, runWithTenant, type TenantContextInit } from '../core/index.js';
import type { ResolvedTenant, TenantRequest, TenantResolver } from '../resolve/index.js';
import { toProblem, type Problem, type ProblemContext } from './problem-details.js';

export interface TenantMiddlewareOptions {
  readonly resolver: TenantResolver;
  /**
   * Requests that need no tenant (health probes, public assets): neither resolved nor refused,
   * and their handlers run with no tenant in context. Decide on `request.path`, which is the
   * path the framework routes on.
   */
  readonly skip?: (request: TenantRequest) => boolean;
  /**
   * Runs after resolution, inside the tenant context, before the handler: authorize the
   * resolved credentials here. Throw a TenantryError to refuse (it becomes the problem).
   */
  readonly onResolved?: (resolved: ResolvedTenant, request: TenantRequest) => void | Promise<void>;
  /** Prefix of the problem `type` URIs. Default `urn:tenantry:error:`. */
  readonly problemTypeBase?: string;
}

export type TenantResolution =
  | {
      readonly ok: true;
      /** The context the handler runs in; undefined when `skip` let the request through without a tenant. */
      readonly context: TenantContextInit | undefined;
      readonly resolved: ResolvedTenant | undefined;
      /** Runs `fn` (the framework's `next`) inside the tenant context, or as is when skipped. */
      run<T>(fn: () => T): T;
    }
  | { readonly ok: false; readonly problem: Problem };

/** Resolves one request; never rejects (every failure is a problem). */
export type TenantMiddlewareCore = (request: TenantRequest, problem?: ProblemContext) => Promise<TenantResolution>;

const KNOWN_OPTIONS: readonly string[] = ['resolver', 'skip', 'onResolved', 'problemTypeBase'];

function checkOptions(options: TenantMiddlewareOptions): void {
  // A misspelt option (`skipp`) must not silently resolve every route, least of all here.
  const unknown = Object.keys(options).find((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown !== undefined) throw coreErrors.create('CONFIG_INVALID', { details: { path: unknown, reason: 'unknown option' } });
  if (typeof options.resolver?.resolve !== 'function') {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'resolver', reason: 'must be a TenantResolver (createTenantResolver)' } });
  }
}

const untouched = <T>(fn: () => T): T => fn();

/**
 * @example
 * const resolveTenant = createTenantMiddlewareCore({ resolver, skip: (req) => req.path === '/health' });
 * const result = await resolveTenant(tenantRequest({ host, path, headers }));
 * if (result.ok) result.run(next);
 * else send(result.problem.status, result.problem.contentType, JSON.stringify(result.problem.body));
 */
export function createTenantMiddlewareCore(options: TenantMiddlewareOptions): TenantMiddlewareCore {
  checkOptions(options);
  const { resolver, skip, onResolved, problemTypeBase } = options;
  const refuse = (err: unknown, problem: ProblemContext): TenantResolution => ({
    ok: false,
    problem: toProblem(err, { ...problem, ...(problemTypeBase === undefined ? {} : { typeBase: problemTypeBase }) }),
  });

  return async (request, problem = {}) => {
    try {
      if (skip?.(request)) return { ok: true, context: undefined, resolved: undefined, run: untouched };
      const resolved = await resolver.resolve(request);
      const context: TenantContextInit = {
        tenantId: resolved.tenant.id,
        slug: resolved.tenant.slug,
        resolvedBy: resolved.resolvedBy[0] ?? 'http',
      };
      if (onResolved) await runWithTenant(context, () => onResolved(resolved, request));
      return { ok: true, context, resolved, run: (fn) => runWithTenant(context, fn) };
    } catch (err) {
      return refuse(err, problem);
    }
  };
}
