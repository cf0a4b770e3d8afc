// The three PostgreSQL roles (owner, app, operator) and the connection strings that log in as them.
import { coreErrors } from '../core/index.js';

/** Names of the roles Tenantry creates. Roles are cluster-wide; one set can serve many databases. */
export interface RoleNames {
  /** Owns the schema and runs migrations; never used to serve requests. */
  readonly owner: string;
  /** Serves requests: DML only, NOBYPASSRLS, every statement inside a tenant transaction. */
  readonly app: string;
  /** Cross-tenant work (registry, analytics, export) through explicit, audited code paths. */
  readonly operator: string;
}

export const DEFAULT_ROLE_NAMES: RoleNames = Object.freeze({
  owner: 'tenantry_owner',
  app: 'tenantry_app',
  operator: 'tenantry_operator',
});

/** Passwords to set on the login roles; omit them where the server trusts the host (peer/trust auth). */
export interface RolePasswords {
  readonly app?: string;
  readonly operator?: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates role names (lower-case identifiers) so they can be quoted into DDL safely and predictably. */
export function resolveRoleNames(names: Partial<RoleNames> = {}): RoleNames {
  const resolved = { ...DEFAULT_ROLE_NAMES, ...names };
  for (const [key, value] of Object.entries(resolved)) {
    if (!ROLE_NAME.test(value)) {
      throw coreErrors.create('CONFIG_INVALID', { details: { path: `roles.${key}`, reason: 'must be a lower-case identifier of at most 63 characters' } });
    }
  }
  if (new Set(Object.values(resolved)).size !== 3) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'roles', reason: 'owner, app and operator must be three different roles' } });
  }
  return Object.freeze(resolved);
}

/**
 * The connection string that logs in as `role` to the same server and database as `url`.
 *
 * @example roleUrl('postgres://admin:pw@db:5432/app', 'tenantry_app', appPassword)
 */
export function roleUrl(url: string, role: string, password?: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'databaseUrl', reason: 'not a URL' }, cause });
  }
  parsed.username = encodeURIComponent(role);
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}
