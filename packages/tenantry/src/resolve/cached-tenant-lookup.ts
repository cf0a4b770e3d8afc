// A TTL cache in front of the registry, so resolving a request does not cost a query. The
// database gate (postgres/tenant-gate.ts) still checks the status at the first statement, so a
// stale entry can delay a suspension's effect on resolution by at most the TTL, never on data.
import { systemClock, type Clock, type Tenant, type TenantId } from '../core/index.js';
import type { TenantLookup } from './tenant-resolver.js';

export interface CachedTenantLookup extends TenantLookup {
  /** Drops a tenant (after a local change) so the next lookup reads the registry. */
  invalidate(id: TenantId): void;
}

/**
 * @example const tenants = cachedTenantLookup(registry, { ttlMs: 1000 });
 */
export function cachedTenantLookup(source: TenantLookup, options: { ttlMs?: number; maxEntries?: number; clock?: Clock } = {}): CachedTenantLookup {
  const ttlMs = options.ttlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.clock ?? systemClock;
  const byKey = new Map<string, { tenant: Tenant | undefined; until: number }>();

  async function cached(key: string, load: () => Promise<Tenant | undefined>): Promise<Tenant | undefined> {
    const now = clock.now().getTime();
    const hit = byKey.get(key);
    if (hit && hit.until > now) return hit.tenant;
    const tenant = await load();
    if (byKey.size >= maxEntries) byKey.delete(byKey.keys().next().value as string);
    byKey.set(key, { tenant, until: now + ttlMs });
    return tenant;
  }

  return {
    tryGet: (id) => cached(`id:${id}`, () => source.tryGet(id)),
    tryGetBySlug: (slug) => cached(`slug:${slug}`, () => source.tryGetBySlug(slug)),
    invalidate(id) {
      for (const [key, entry] of byKey) if (key === `id:${id}` || entry.tenant?.id === id) byKey.delete(key);
    },
  };
}
