// Custom roles per tenant (a name and a set of permissions), and the resolution of a role
// reference — a built-in role's name or a custom role's id — that members and invitations share.
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { checkActor, inTransaction, newRecordId, recordId, sqlOf, textField, type ControlScope } from './control-sql.js';
import { auditChange } from './audit-change.js';
import type { AccessCache } from './access-cache.js';
import { controlErrors } from './errors.js';
import {
  BUILT_IN_ROLE_PERMISSIONS, isBuiltInRole, isPermission, parsePermissions, requireGrantable,
  type Actor, type BuiltInRole, type Permission,
} from './permissions.js';

/** A custom role of one tenant. */
export interface CustomRole {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly Permission[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A role as members and invitations carry it: `role` is a built-in name or a custom role's id. */
export interface ResolvedRole {
  readonly role: string;
  readonly roleName: string;
  readonly permissions: readonly Permission[];
}

/** How a role is stored in a member or invitation row: exactly one of the two is set. */
export interface StoredRole extends ResolvedRole {
  readonly builtinRole: BuiltInRole | null;
  readonly customRoleId: string | null;
}

export interface CustomRoleInput {
  readonly name: string;
  readonly description?: string;
  readonly permissions: readonly Permission[];
}

export interface CustomRoles {
  /** The tenant's custom roles, by name. */
  list(scope: ControlScope): Promise<CustomRole[]>;
  get(scope: ControlScope, id: string): Promise<CustomRole>;
  tryGet(scope: ControlScope, id: string): Promise<CustomRole | undefined>;
  /**
   * Creates a custom role. Its permissions must all be held by `actor` (PERMISSION_ESCALATION).
   *
   * @example const support = await roles.create(scope, { name: 'support', permissions: ['members:read', 'audit:read'] }, actor);
   */
  create(scope: ControlScope, input: CustomRoleInput, actor: Actor): Promise<CustomRole>;
  /** Renames or changes a role; members holding it get the new permissions at once. */
  update(scope: ControlScope, id: string, changes: Partial<CustomRoleInput>, actor: Actor): Promise<CustomRole>;
  /** Deletes a role nobody holds and no open invitation offers (ROLE_IN_USE otherwise); closed invitations keep no role. */
  delete(scope: ControlScope, id: string, actor: Actor): Promise<void>;
}

interface RoleRow { id: string; name: string; description: string; permissions: string[]; created_at: Date; updated_at: Date }

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const COLUMNS = 'id, name, description, permissions, created_at, updated_at';

/** Stored permissions are read through the vocabulary: one a later version retired grants nothing. */
const knownPermissions = (values: readonly string[]): Permission[] => values.filter(isPermission);

function toCustomRole(row: RoleRow): CustomRole {
  return Object.freeze({
    id: row.id,
    name: row.name,
    description: row.description,
    permissions: Object.freeze(knownPermissions(row.permissions)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** What the audit records of a role: its name, description and permissions. */
const roleValue = (role: CustomRole) => ({ name: role.name, description: role.description, permissions: [...role.permissions] });

function roleName(value: unknown): string {
  const name = textField(value, 'name', 1, 63).toLowerCase();
  if (!ROLE_NAME.test(name)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'name', reason: 'use a–z, 0–9, "-" and "_", starting with a letter' } });
  if (isBuiltInRole(name)) throw controlErrors.create('ROLE_NAME_TAKEN', { details: { name } });
  return name;
}

async function readRole(sql: SqlQueryable, tenantId: TenantId, id: string, lock = false): Promise<RoleRow | undefined> {
  const { rows } = await sql.query<RoleRow>(`SELECT ${COLUMNS} FROM tenantry.roles WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return rows[0];
}

/**
 * Resolves a role reference: a built-in role's name, or the id of one of the tenant's custom
 * roles (another tenant's is not found). Throws ROLE_NOT_FOUND.
 */
export async function resolveRole(sql: SqlQueryable, tenantId: TenantId, role: unknown): Promise<StoredRole> {
  if (isBuiltInRole(role)) {
    return { role, roleName: role, permissions: BUILT_IN_ROLE_PERMISSIONS[role], builtinRole: role, customRoleId: null };
  }
  const id = recordId(role);
  const row = id === undefined ? undefined : await readRole(sql, tenantId, id);
  if (!row) throw controlErrors.create('ROLE_NOT_FOUND');
  return { role: row.id, roleName: row.name, permissions: knownPermissions(row.permissions), builtinRole: null, customRoleId: row.id };
}

/**
 * The SQL that gives a member or invitation row (alias `x`, joined to `tenantry.roles r` on its
 * custom role) its role, role name and permissions, for {@link storedRole}.
 */
export const ROLE_COLUMNS = `x.builtin_role, x.custom_role_id, r.name AS custom_role_name, r.permissions AS custom_role_permissions`;
export const ROLE_JOIN = `LEFT JOIN tenantry.roles r ON r.tenant_id = x.tenant_id AND r.id = x.custom_role_id`;

export interface RoleColumns {
  builtin_role: BuiltInRole | null;
  custom_role_id: string | null;
  custom_role_name: string | null;
  custom_role_permissions: string[] | null;
}

/** The role of a row read with {@link ROLE_COLUMNS}. */
export function storedRole(row: RoleColumns): ResolvedRole {
  if (row.builtin_role !== null) return { role: row.builtin_role, roleName: row.builtin_role, permissions: BUILT_IN_ROLE_PERMISSIONS[row.builtin_role] };
  return { role: row.custom_role_id ?? '', roleName: row.custom_role_name ?? '', permissions: Object.freeze(knownPermissions(row.custom_role_permissions ?? [])) };
}

/**
 * @example
 * const roles = createCustomRoles();
 * await db.transaction(tenantId, (tx) => roles.create(tx, { name: 'billing', permissions: ['tenant:read', 'settings:write'] }, actor));
 */
export function createCustomRoles(options: { readonly clock?: Clock; readonly access?: AccessCache } = {}): CustomRoles {
  // A role's permissions are its members' and their keys': every instance drops the tenant's
  // cached principals once the change committed.
  const announced = async <T>(scope: ControlScope, result: T): Promise<T> => {
    await options.access?.changed(scope.tenantId);
    return result;
  };
  const clock = options.clock ?? systemClock;

  async function tryGet(scope: ControlScope, rawId: string): Promise<CustomRole | undefined> {
    const id = recordId(rawId);
    if (id === undefined) return undefined;
    const row = await readRole(sqlOf(scope), scope.tenantId, id);
    return row ? toCustomRole(row) : undefined;
  }

  return Object.freeze({
    async list(scope) {
      const { rows } = await sqlOf(scope).query<RoleRow>(`SELECT ${COLUMNS} FROM tenantry.roles WHERE tenant_id = $1 ORDER BY name`, [scope.tenantId]);
      return rows.map(toCustomRole);
    },
    tryGet,
    async get(scope, id) {
      const role = await tryGet(scope, id);
      if (!role) throw controlErrors.create('ROLE_NOT_FOUND');
      return role;
    },
    async create(scope, input, actor) {
      checkActor(actor);
      const name = roleName(input.name);
      const description = input.description === undefined ? '' : textField(input.description, 'description', 0, 500);
      const permissions = parsePermissions(input.permissions);
      requireGrantable(actor, permissions);
      const now = clock.now();
      return inTransaction(scope, async (tx) => {
        const { rows } = await sqlOf(tx).query<RoleRow>(
          `INSERT INTO tenantry.roles (tenant_id, id, name, description, permissions, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${COLUMNS}`,
          [tx.tenantId, newRecordId(), name, description, permissions, now],
        );
        if (!rows[0]) throw controlErrors.create('ROLE_NAME_TAKEN', { details: { name } });
        const role = toCustomRole(rows[0]);
        await auditChange(tx, actor.id, 'role.create', `role:${role.id}`, { to: roleValue(role) }, clock);
        return role;
      });
    },
    async update(scope, rawId, changes, actor) {
      checkActor(actor);
      const id = recordId(rawId);
      if (id === undefined) throw controlErrors.create('ROLE_NOT_FOUND');
      const name = changes.name === undefined ? undefined : roleName(changes.name);
      const description = changes.description === undefined ? undefined : textField(changes.description, 'description', 0, 500);
      const permissions = changes.permissions === undefined ? undefined : parsePermissions(changes.permissions);
      return announced(scope, await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const current = await readRole(sql, tx.tenantId, id, true);
        if (!current) throw controlErrors.create('ROLE_NOT_FOUND');
        // Both what the role grants now and what it will grant must be the actor's to give.
        requireGrantable(actor, [...current.permissions, ...(permissions ?? [])]);
        const { rows } = await sql.query<RoleRow>(
          `UPDATE tenantry.roles SET name = coalesce($3, name), description = coalesce($4, description),
                  permissions = coalesce($5, permissions), updated_at = $6
            WHERE tenant_id = $1 AND id = $2
              AND NOT EXISTS (SELECT 1 FROM tenantry.roles o WHERE o.tenant_id = $1 AND o.name = $3 AND o.id <> $2)
           RETURNING ${COLUMNS}`,
          [tx.tenantId, id, name ?? null, description ?? null, permissions ?? null, clock.now()],
        );
        if (!rows[0]) throw controlErrors.create('ROLE_NAME_TAKEN', { details: { name } });
        const role = toCustomRole(rows[0]);
        await auditChange(tx, actor.id, 'role.update', `role:${role.id}`, { from: roleValue(toCustomRole(current)), to: roleValue(role) }, clock);
        return role;
      }));
    },
    async delete(scope, rawId, actor) {
      checkActor(actor);
      const id = recordId(rawId);
      if (id === undefined) throw controlErrors.create('ROLE_NOT_FOUND');
      await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const current = await readRole(sql, tx.tenantId, id, true);
        if (!current) throw controlErrors.create('ROLE_NOT_FOUND');
        requireGrantable(actor, current.permissions);
        // Checked rather than left to the foreign key: a failed statement would doom the
        // caller's transaction. The row lock above keeps new holders from racing in (their
        // foreign-key check takes a KEY SHARE lock, which waits for it).
        const { rows } = await sql.query(
          `SELECT 1 FROM tenantry.members WHERE tenant_id = $1 AND custom_role_id = $2
           UNION ALL SELECT 1 FROM tenantry.invitations
            WHERE tenant_id = $1 AND custom_role_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL LIMIT 1`,
          [tx.tenantId, id],
        );
        if (rows.length > 0) throw controlErrors.create('ROLE_IN_USE');
        await sql.query('DELETE FROM tenantry.roles WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
        await auditChange(tx, actor.id, 'role.delete', `role:${id}`, { from: roleValue(toCustomRole(current)) }, clock);
      });
      await announced(scope, undefined);
    },
  } satisfies CustomRoles);
}
