// What a credential's creator may still grant, read on every use of the credential: the rule
// that no API key or invitation outlives the authority of whoever made it (docs/control-plane.md).
import type { TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { operatorQuery, recordId } from './control-sql.js';
import { BUILT_IN_ROLE_PERMISSIONS, IMPERSONATION_PERMISSIONS, isBuiltInRole, isPermission, PERMISSIONS, type Permission } from './permissions.js';

/** Whether an operator is active now (operators live in a table only the operator role reads). */
export type OperatorActive = (operatorId: string) => Promise<boolean>;

/**
 * What an answer of {@link currentAuthority} depends on beyond the tenant's own rows, for a
 * cache of it: the earliest expiry met on the chain (the answer lapses then, with no change to
 * announce), and whether an operator's status was read (operators are not a tenant's rows, so a
 * tenant's change feed does not announce them).
 */
export interface AuthorityLimits {
  /** Epoch ms; Infinity when nothing on the chain expires. */
  expiresAt: number;
  operator: boolean;
}

// A key made by a key made by a key …: the chain is followed this far, then grants nothing.
const MAX_CHAIN = 8;

/**
 * The permissions `actorId` holds now in the tenant, or `undefined` when it no longer exists
 * (a removed member, a revoked or expired key, a disabled or unknown operator):
 * - `user:<id>`: the member's current role (custom roles as they read now);
 * - `api-key:<id>`: the key's scopes within its own creator's authority, recursively;
 * - `operator:<id>`: what impersonation allows, while the operator is active (without an
 *   `operatorActive` check, never: fail closed);
 * - anything else is the platform's own code (`systemActor('onboarding')`), which holds all.
 *
 * @example const held = await currentAuthority(sqlOf(tx), tx.tenantId, row.created_by, { now, operatorActive });
 */
export async function currentAuthority(
  sql: SqlQueryable,
  tenantId: TenantId,
  actorId: string,
  options: { readonly now: Date; readonly operatorActive?: OperatorActive | undefined; readonly limits?: AuthorityLimits },
  depth = 0,
): Promise<readonly Permission[] | undefined> {
  const colon = actorId.indexOf(':');
  const kind = colon < 0 ? '' : actorId.slice(0, colon);
  const id = actorId.slice(colon + 1);
  switch (kind) {
    case 'user': {
      const { rows: [row] } = await sql.query<{ builtin_role: string | null; permissions: string[] | null }>(
        `SELECT m.builtin_role, r.permissions FROM tenantry.members m
           LEFT JOIN tenantry.roles r ON r.tenant_id = m.tenant_id AND r.id = m.custom_role_id
          WHERE m.tenant_id = $1 AND m.user_id = $2`,
        [tenantId, id],
      );
      if (!row) return undefined;
      if (isBuiltInRole(row.builtin_role)) return BUILT_IN_ROLE_PERMISSIONS[row.builtin_role];
      return (row.permissions ?? []).filter(isPermission);
    }
    case 'api-key': {
      const keyId = recordId(id);
      if (depth >= MAX_CHAIN || keyId === undefined) return undefined;
      const { rows: [row] } = await sql.query<{ scopes: string[]; created_by: string; expires_at: Date | null; revoked_at: Date | null }>(
        'SELECT scopes, created_by, expires_at, revoked_at FROM tenantry.api_keys WHERE tenant_id = $1 AND id = $2',
        [tenantId, keyId],
      );
      if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= options.now.getTime())) return undefined;
      if (options.limits !== undefined && row.expires_at !== null) options.limits.expiresAt = Math.min(options.limits.expiresAt, row.expires_at.getTime());
      const creator = await currentAuthority(sql, tenantId, row.created_by, options, depth + 1);
      return creator === undefined ? undefined : intersect(row.scopes, creator);
    }
    case 'operator':
      if (options.limits !== undefined) options.limits.operator = true;
      return options.operatorActive !== undefined && await options.operatorActive(id) ? IMPERSONATION_PERMISSIONS : undefined;
    default:
      return PERMISSIONS;
  }
}

/** The permissions of `wanted` that are also in `held`, in vocabulary order. */
export function intersect(wanted: readonly string[], held: readonly Permission[]): Permission[] {
  return PERMISSIONS.filter((p) => wanted.includes(p) && held.includes(p));
}

/**
 * The {@link OperatorActive} check over the operator-role pool.
 *
 * @example currentAuthority(sql, tenantId, invitedBy, { now, operatorActive: operatorActiveIn(operatorPool) })
 */
export function operatorActiveIn(operator: SqlQueryable): OperatorActive {
  return async (operatorId) => {
    const id = recordId(operatorId);
    if (id === undefined) return false;
    const rows = await operatorQuery<{ status: string }>(operator, 'SELECT status FROM tenantry.operators WHERE id = $1', [id]);
    return rows[0]?.status === 'active';
  };
}

/** The permissions of `wanted` that are not in `held`. */
export function missingFrom(wanted: readonly Permission[], held: readonly Permission[]): Permission[] {
  return wanted.filter((p) => !held.includes(p));
}
