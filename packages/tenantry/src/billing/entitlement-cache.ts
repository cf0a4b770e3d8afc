// What a tenant's subscription allows (its entitlement), kept per instance so that the server's
// check on every mutating tenant request costs no query once the tenant is known. Billing
// announces an entitlement change on the change feed (`billing` topic) after it commits, and
// every instance drops its entry; without a feed nothing is cached and every check reads.
import type { TenantId } from '../core/index.js';
import { ACCESS_MAX_AGE_MS, createTenantCache, type CacheOptions } from '../control/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import type { Entitlement } from './billing-sql.js';

/** The feed topic on which billing announces that a tenant's entitlement changed. */
export const BILLING_TOPIC = 'billing';

export interface EntitlementCache {
  /** `full` without a subscription; one read of the subscription row on a miss. */
  get(tenantId: TenantId): Promise<Entitlement>;
  /** After a committed change: every instance drops the tenant's entry. */
  changed(tenantId: TenantId): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** @example const cache = entitlementCache(operator, feed); await cache.get(tenantId); */
export function entitlementCache(operator: SqlQueryable, feed: ChangeFeed | undefined, cache: CacheOptions = {}): EntitlementCache {
  // The registry's max age: a change written where no feed announces it (the CLI) lags as long
  // as a tenant's suspension does, at most 1.25 × this.
  const entries = createTenantCache<Entitlement>({ topic: BILLING_TOPIC, maxAgeMs: ACCESS_MAX_AGE_MS, ...(feed ? { feed } : {}), ...cache });
  const load = async (tenantId: TenantId): Promise<Entitlement> => {
    const { rows } = await operator.query<{ entitlement: Entitlement }>('SELECT entitlement FROM tenantry.subscriptions WHERE tenant = $1', [tenantId]);
    return rows[0]?.entitlement ?? 'full';
  };
  return {
    get: (tenantId) => entries.get(tenantId, () => load(tenantId)),
    changed: (tenantId) => entries.changed(tenantId),
    ready: () => entries.ready(),
    close: () => entries.close(),
  };
}
