// What a resolution strategy is: one place a tenant reference can come from.
import type { TenantId } from '../core/index.js';
import type { TenantRequest } from './tenant-request.js';

/** A reference to a tenant as a request carries it, before the registry is asked. */
export type TenantReference =
  | { readonly by: 'id'; readonly id: TenantId }
  | { readonly by: 'slug'; readonly slug: string };

/** What one strategy found in a request. */
export interface StrategyMatch {
  readonly reference: TenantReference;
  /**
   * `authoritative` matches (a verified token, an API key) authenticate the caller for that
   * tenant; `locator` matches (host, path, header) only say which tenant is meant. Every match
   * of a request must name the same tenant.
   */
  readonly weight: 'authoritative' | 'locator';
  /** Claims or key scopes the strategy verified, for authorization later. */
  readonly credentials?: Readonly<Record<string, unknown>>;
}

/**
 * One source of a tenant reference. `match` returns undefined when the request does not use
 * this source, and throws (TOKEN_INVALID, API_KEY_INVALID, HOST_INVALID) when it does but the
 * reference is unusable: a bad token never falls through to a weaker strategy.
 */
export interface TenantStrategy {
  readonly name: string;
  match(request: TenantRequest): Promise<StrategyMatch | undefined> | StrategyMatch | undefined;
}
