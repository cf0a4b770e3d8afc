// The permission vocabulary and the grant rule: roles nest strictly, unknown permissions are
// refused, and no actor can hand out (or take away) more than it holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import {
  BUILT_IN_ROLE_PERMISSIONS, BUILT_IN_ROLES, hasPermission, missingPermissions, parsePermissions, PERMISSIONS,
  requireGrantable, systemActor, type Actor, type Permission,
} from './permissions.js';
import { errorOf } from '../testing/index.js';

const actorWith = (permissions: readonly Permission[]): Actor => ({ id: 'user:test', permissions });

describe('built-in roles', () => {
  it('nest strictly: owner ⊋ admin ⊋ member ⊋ viewer', () => {
    for (let i = 1; i < BUILT_IN_ROLES.length; i += 1) {
      const above = BUILT_IN_ROLE_PERMISSIONS[BUILT_IN_ROLES[i - 1] as (typeof BUILT_IN_ROLES)[number]];
      const below = BUILT_IN_ROLE_PERMISSIONS[BUILT_IN_ROLES[i] as (typeof BUILT_IN_ROLES)[number]];
      expect(below.every((p) => above.includes(p)), `${BUILT_IN_ROLES[i]} within ${BUILT_IN_ROLES[i - 1]}`).toBe(true);
      expect(above.length).toBeGreaterThan(below.length);
    }
  });

  it('gives the owner every permission and keeps tenant deletion from the admin', () => {
    expect([...BUILT_IN_ROLE_PERMISSIONS.owner]).toEqual([...PERMISSIONS]);
    expect(BUILT_IN_ROLE_PERMISSIONS.admin).not.toContain('tenant:delete');
    expect(BUILT_IN_ROLE_PERMISSIONS.viewer).not.toContain('members:write');
    expect(BUILT_IN_ROLE_PERMISSIONS.member).toContain('apikeys:write');
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(BUILT_IN_ROLE_PERMISSIONS)).toBe(true);
    expect(Object.isFrozen(BUILT_IN_ROLE_PERMISSIONS.viewer)).toBe(true);
  });
});

describe('hasPermission', () => {
  it('reads a member by its permissions and an API key by its scopes', () => {
    expect(hasPermission({ permissions: BUILT_IN_ROLE_PERMISSIONS.viewer }, 'members:read')).toBe(true);
    expect(hasPermission({ permissions: BUILT_IN_ROLE_PERMISSIONS.viewer }, 'members:write')).toBe(false);
    expect(hasPermission({ scopes: ['apikeys:read'] }, 'apikeys:read')).toBe(true);
    expect(hasPermission({ scopes: ['apikeys:read'] }, 'apikeys:write')).toBe(false);
  });
});

describe('parsePermissions', () => {
  it('returns the permissions once each, in vocabulary order', () => {
    expect(parsePermissions(['members:read', 'tenant:read', 'members:read'])).toEqual(['tenant:read', 'members:read']);
  });

  it.each([['members:admin'], ['*'], ['MEMBERS:READ'], [' members:read'], [42]])('refuses %j with PERMISSION_INVALID', (value) => {
    expect(isTenantryError(errorOf(() => parsePermissions([value])), 'PERMISSION_INVALID')).toBe(true);
  });

  it('refuses what is not a list', () => {
    expect(isTenantryError(errorOf(() => parsePermissions('members:read')), 'CONTROL_FIELD_INVALID')).toBe(true);
  });
});

describe('the grant rule', () => {
  it('lets an admin grant admin but not owner, and names what is missing', () => {
    const admin = actorWith(BUILT_IN_ROLE_PERMISSIONS.admin);
    expect(() => requireGrantable(admin, BUILT_IN_ROLE_PERMISSIONS.admin)).not.toThrow();
    const err = errorOf(() => requireGrantable(admin, BUILT_IN_ROLE_PERMISSIONS.owner));
    expect(isTenantryError(err, 'PERMISSION_ESCALATION')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ missing: ['tenant:delete'] });
  });

  it('refuses exactly the sets that are not within the actor\'s permissions', () => {
    const subset = fc.subarray([...PERMISSIONS]);
    fc.assert(
      fc.property(subset, subset, (held, wanted) => {
        const allowed = wanted.every((p) => held.includes(p));
        expect(missingPermissions(actorWith(held), wanted).length === 0).toBe(allowed);
        expect(errorOf(() => requireGrantable(actorWith(held), wanted)) === undefined).toBe(allowed);
      }),
    );
  });

  it('gives the system actor every permission', () => {
    expect(() => requireGrantable(systemActor(), PERMISSIONS)).not.toThrow();
    expect(systemActor('onboarding').id).toBe('onboarding');
  });
});
