// The principal of a tenant request, read once per instance and then served from memory: the
// member a signed-in user is (role and permissions), kept until the tenant's access changes
// on any instance (the change feed's `access` topic) or the cache's short max age passes.
import type { TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import { remember, type AccessCache } from './access-cache.js';
import type { Member, Members } from './tenant-members.js';

export interface TenantAccess {
  /**
   * The member `userId` is in the tenant, or undefined; from this instance's cache when it
   * holds the answer (a removal, a role change, a role's new permissions, a suspension drop it
   * on every instance within the feed's delivery time).
   *
   * @example const member = await control.access.member(tenant.id, claims.sub);
   */
  member(tenantId: TenantId, userId: string): Promise<Member | undefined>;
  /** Drops every instance's cached principals of the tenant (after changing rows behind the library's back). */
  changed(tenantId: TenantId): Promise<void>;
}

export function createTenantAccess(options: { readonly db: TenantDatabase; readonly members: Members; readonly cache: AccessCache }): TenantAccess {
  const { db, members, cache } = options;
  return Object.freeze({
    async member(tenantId: TenantId, userId: string) {
      const bucket = await cache.bucket(tenantId);
      const hit = bucket.members.get(userId) as Member | null | undefined;
      if (hit !== undefined) return hit ?? undefined;
      const member = await db.withTenant(tenantId, (scope) => members.tryGet(scope, userId));
      // Into the bucket taken before the read: a change meanwhile dropped it, and this with it.
      remember(bucket.members, userId, member ?? null);
      return member;
    },
    changed: (tenantId: TenantId) => cache.changed(tenantId),
  });
}
