// The permission vocabulary of the control plane, the built-in roles made of it, and the two
// checks everything else uses: does a holder have a permission, and may an actor grant a set.
import { controlErrors } from './errors.js';

/**
 * Every permission Tenantry knows, `resource:action`. A closed set: a typo in a custom role or
 * an API key's scopes is refused, never stored as a permission that silently matches nothing.
 */
export const PERMISSIONS = [
  'tenant:read', 'tenant:update', 'tenant:delete',
  'members:read', 'members:write',
  'roles:read', 'roles:write',
  'invitations:read', 'invitations:write',
  'apikeys:read', 'apikeys:write',
  'settings:read', 'settings:write',
  'domains:read', 'domains:write',
  'secrets:read', 'secrets:write',
  'audit:read',
  // Usage and quotas: read the tenant's usage against its plan; report usage events (a backend's API key).
  'usage:read', 'usage:write',
  // Single sign-on: the tenant's identity-provider connections and captured email domains.
  'sso:read', 'sso:write',
  // Webhook endpoints and their delivery log; the tenant's background jobs (see, retry failed ones).
  'webhooks:read', 'webhooks:write',
  'jobs:read', 'jobs:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const BUILT_IN_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const VIEWER: readonly Permission[] = ['tenant:read', 'members:read', 'roles:read', 'settings:read', 'domains:read', 'usage:read'];

/**
 * What each built-in role may do. Each role holds strictly fewer permissions than the one above
 * it, which is what makes the grant rule ({@link requireGrantable}) work: an admin lacks
 * `tenant:delete`, so an admin can neither make an owner nor demote or remove one.
 */
export const BUILT_IN_ROLE_PERMISSIONS: Readonly<Record<BuiltInRole, readonly Permission[]>> = Object.freeze({
  owner: Object.freeze([...PERMISSIONS]),
  admin: Object.freeze(PERMISSIONS.filter((p) => p !== 'tenant:delete')),
  // A member may read more and make API keys for their own automation (never beyond their own permissions).
  member: Object.freeze([...VIEWER, 'invitations:read', 'apikeys:read', 'apikeys:write'] satisfies Permission[]),
  viewer: Object.freeze([...VIEWER]),
});

/**
 * What an operator acting inside a tenant (impersonation) may do: an admin's permissions except
 * those that mint lasting access — API keys, members, custom roles, signing secrets, SSO
 * connections (whose rules make members). A session is
 * time-boxed; a key, a membership or a webhook endpoint (a lasting feed of the tenant's events) made during it would not be. Through the grant rule it can
 * invite only with roles inside this set (a viewer), and every change is recorded as the operator.
 */
export const IMPERSONATION_PERMISSIONS: readonly Permission[] = Object.freeze(
  BUILT_IN_ROLE_PERMISSIONS.admin.filter((p) => !(['apikeys:write', 'members:write', 'roles:write', 'secrets:write', 'sso:write', 'webhooks:write'] as readonly Permission[]).includes(p)),
);

/** Who is making a change: its id is recorded (`user:42`, `api-key:<id>`, `operator:<id>`), its permissions bound what it may grant. */
export interface Actor {
  readonly id: string;
  readonly permissions: readonly Permission[];
}

/** Something that holds permissions: a member (its role's) or a verified API key (its scopes). */
export type PermissionHolder = { readonly permissions: readonly string[] } | { readonly scopes: readonly string[] };

/** @example isPermission('members:read') // true */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** @example isBuiltInRole('admin') // true */
export function isBuiltInRole(value: unknown): value is BuiltInRole {
  return typeof value === 'string' && (BUILT_IN_ROLES as readonly string[]).includes(value);
}

/**
 * Whether a member (by its role) or an API key (by its scopes) holds `permission`.
 *
 * @example if (!hasPermission(member, 'members:write')) throw forbidden();
 */
export function hasPermission(holder: PermissionHolder, permission: Permission): boolean {
  const held = 'permissions' in holder ? holder.permissions : holder.scopes;
  return held.includes(permission);
}

/**
 * Checks a list of permissions (a custom role, an API key's scopes) and returns it without
 * duplicates, in vocabulary order; throws PERMISSION_INVALID for an unknown one.
 *
 * @example parsePermissions(['members:read', 'tenant:read']) // ['tenant:read', 'members:read']
 */
export function parsePermissions(values: unknown, field = 'permissions'): Permission[] {
  if (!Array.isArray(values)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'must be an array of permissions' } });
  if (values.length > 64) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field, reason: 'at most 64 permissions' } });
  for (const value of values) {
    if (!isPermission(value)) throw controlErrors.create('PERMISSION_INVALID', { details: { field, permission: typeof value === 'string' ? value.slice(0, 64) : typeof value } });
  }
  return PERMISSIONS.filter((p) => values.includes(p));
}

/**
 * The permissions of `wanted` that `actor` does not hold (empty when it may grant them all).
 *
 * @example missingPermissions(adminActor, BUILT_IN_ROLE_PERMISSIONS.owner) // ['tenant:delete']
 */
export function missingPermissions(actor: Actor, wanted: readonly string[]): Permission[] {
  return PERMISSIONS.filter((p) => wanted.includes(p) && !actor.permissions.includes(p));
}

/**
 * The grant rule: an actor may only give (to a member, an invitation, a key or a custom role)
 * permissions it holds itself, and may only change or remove something whose permissions it
 * holds all of. Without it `members:write` alone would let anyone make themselves owner.
 * Throws PERMISSION_ESCALATION.
 *
 * @example requireGrantable(actor, BUILT_IN_ROLE_PERMISSIONS.owner) // an admin is refused
 */
export function requireGrantable(actor: Actor, wanted: readonly string[]): void {
  const missing = missingPermissions(actor, wanted);
  if (missing.length > 0) throw controlErrors.create('PERMISSION_ESCALATION', { details: { missing } });
}

/**
 * An actor with every permission, for the platform's own work (onboarding creates the first
 * owner) and for operators acting inside a tenant.
 *
 * @example await members.add(scope, { userId, role: 'owner' }, systemActor('onboarding'));
 */
export function systemActor(id = 'system'): Actor {
  return Object.freeze({ id, permissions: BUILT_IN_ROLE_PERMISSIONS.owner });
}
