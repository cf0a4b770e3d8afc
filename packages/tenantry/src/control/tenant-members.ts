// Members of a tenant: the application's user ids with a role each. The last owner can be
// neither removed nor demoted, also when two changes race (the owner rows are locked).
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlQueryable, TenantTransaction } from '../postgres/index.js';
import { checkActor, inTransaction, sqlOf, textField, type ControlScope } from './control-sql.js';
import { resolveRole, ROLE_COLUMNS, ROLE_JOIN, storedRole, type RoleColumns } from './custom-roles.js';
import { auditChange } from './audit-change.js';
import type { AccessCache } from './access-cache.js';
import { countMembers, type SeatCheck } from './seat-check.js';
import { controlErrors } from './errors.js';
import { requireGrantable, type Actor, type Permission } from './permissions.js';

/** A member of one tenant. `role` is a built-in role's name or a custom role's id. */
export interface Member {
  readonly userId: string;
  readonly role: string;
  readonly roleName: string;
  /** What the role allows now; use with `hasPermission(member, …)`. */
  readonly permissions: readonly Permission[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Members {
  /** The tenant's members, by user id. */
  list(scope: ControlScope): Promise<Member[]>;
  /** The member with this user id; throws MEMBER_NOT_FOUND (also for a user of another tenant only). */
  get(scope: ControlScope, userId: string): Promise<Member>;
  tryGet(scope: ControlScope, userId: string): Promise<Member | undefined>;
  /**
   * Adds a user with a role the actor may grant (PERMISSION_ESCALATION otherwise). Throws
   * MEMBER_ALREADY_EXISTS, ROLE_NOT_FOUND.
   *
   * @example await members.add(tx, { userId: 'user_42', role: 'admin' }, actor);
   */
  add(scope: ControlScope, input: { readonly userId: string; readonly role: string }, actor: Actor): Promise<Member>;
  /** Gives a member another role; refuses to demote the last owner (MEMBER_LAST_OWNER). */
  changeRole(scope: ControlScope, userId: string, role: string, actor: Actor): Promise<Member>;
  /** Removes a member; refuses to remove the last owner (MEMBER_LAST_OWNER). */
  remove(scope: ControlScope, userId: string, actor: Actor): Promise<void>;
}

interface MemberRow extends RoleColumns { user_id: string; created_at: Date; updated_at: Date }

const SELECT = `SELECT x.user_id, ${ROLE_COLUMNS}, x.created_at, x.updated_at FROM tenantry.members x ${ROLE_JOIN}`;

function toMember(row: MemberRow): Member {
  return Object.freeze({ userId: row.user_id, ...storedRole(row), createdAt: row.created_at, updatedAt: row.updated_at });
}

/**
 * A user id exactly as given: never trimmed or otherwise normalised, because it is compared
 * with what authentication issued (a JWT's `sub`). One with surrounding whitespace is refused
 * rather than stored or looked up as another user's (`" owner"` is not `owner`).
 */
export function userIdField(value: unknown): string {
  const userId = textField(value, 'userId', 1, 256);
  if (userId !== value) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'userId', reason: 'must not start or end with whitespace' } });
  return userId;
}

async function readMember(sql: SqlQueryable, tenantId: TenantId, userId: string): Promise<Member | undefined> {
  const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.user_id = $2`, [tenantId, userId]);
  return rows[0] ? toMember(rows[0]) : undefined;
}

/**
 * Locks the tenant's owner rows, then the member's row, and returns the member and how many
 * owners there are. Locking the owners in one order (by user id) serializes every change that
 * could take away an owner: of two concurrent demotions of the last two owners, the second
 * waits, then finds the first one's row no longer an owner (READ COMMITTED re-checks a locked
 * row's condition) and counts one owner.
 */
async function lockForChange(tx: TenantTransaction, userId: string): Promise<{ member: Member; owners: number }> {
  const sql = sqlOf(tx);
  const { rows: owners } = await sql.query<{ user_id: string }>(
    `SELECT user_id FROM tenantry.members WHERE tenant_id = $1 AND builtin_role = 'owner' ORDER BY user_id FOR UPDATE`,
    [tx.tenantId],
  );
  const { rows } = await sql.query<MemberRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.user_id = $2 FOR UPDATE OF x`, [tx.tenantId, userId]);
  if (!rows[0]) throw controlErrors.create('MEMBER_NOT_FOUND');
  return { member: toMember(rows[0]), owners: owners.length };
}

/**
 * @example
 * const members = createMembers();
 * const member = await db.withTenant(tenantId, (scope) => members.get(scope, userId));
 * if (!hasPermission(member, 'members:write')) throw forbidden;
 */
export function createMembers(options: { readonly clock?: Clock; readonly seatCheck?: SeatCheck; readonly access?: AccessCache } = {}): Members {
  const clock = options.clock ?? systemClock;
  const { seatCheck, access } = options;
  // After the change committed (in the service's own transaction): every instance drops the
  // tenant's cached principals, so a removed or demoted member loses access everywhere.
  const announced = async <T>(scope: ControlScope, result: T): Promise<T> => {
    await access?.changed(scope.tenantId);
    return result;
  };

  async function tryGet(scope: ControlScope, rawUserId: string): Promise<Member | undefined> {
    // Compared exactly as issued: no trimming, no case folding (see userIdField).
    if (typeof rawUserId !== 'string' || rawUserId === '' || rawUserId.length > 256) return undefined;
    return readMember(sqlOf(scope), scope.tenantId, rawUserId);
  }

  return Object.freeze({
    async list(scope) {
      const { rows } = await sqlOf(scope).query<MemberRow>(`${SELECT} WHERE x.tenant_id = $1 ORDER BY x.user_id`, [scope.tenantId]);
      return rows.map(toMember);
    },
    tryGet,
    async get(scope, userId) {
      const member = await tryGet(scope, userId);
      if (!member) throw controlErrors.create('MEMBER_NOT_FOUND');
      return member;
    },
    async add(scope, input, actor) {
      checkActor(actor);
      const userId = userIdField(input.userId);
      return announced(scope, await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const role = await resolveRole(sql, tx.tenantId, input.role);
        requireGrantable(actor, role.permissions);
        // The plan's seat limit, checked under its lock before the insert (seat-check.ts).
        if (seatCheck) await seatCheck(tx, () => countMembers(tx));
        const now = clock.now();
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.members (tenant_id, user_id, builtin_role, custom_role_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (tenant_id, user_id) DO NOTHING`,
          [tx.tenantId, userId, role.builtinRole, role.customRoleId, now],
        );
        if (rowCount !== 1) throw controlErrors.create('MEMBER_ALREADY_EXISTS');
        await auditChange(tx, actor.id, 'member.add', `member:${userId}`, { role: role.role }, clock);
        return Object.freeze({ userId, role: role.role, roleName: role.roleName, permissions: role.permissions, createdAt: now, updatedAt: now });
      }));
    },
    async changeRole(scope, rawUserId, rawRole, actor) {
      checkActor(actor);
      const userId = userIdField(rawUserId);
      return announced(scope, await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const { member, owners } = await lockForChange(tx, userId);
        const role = await resolveRole(sql, tx.tenantId, rawRole);
        // The actor must hold everything the member has now and everything the new role gives.
        requireGrantable(actor, [...member.permissions, ...role.permissions]);
        if (member.role === 'owner' && role.role !== 'owner' && owners <= 1) throw controlErrors.create('MEMBER_LAST_OWNER');
        const now = clock.now();
        await sql.query(
          `UPDATE tenantry.members SET builtin_role = $3, custom_role_id = $4, updated_at = $5 WHERE tenant_id = $1 AND user_id = $2`,
          [tx.tenantId, userId, role.builtinRole, role.customRoleId, now],
        );
        await auditChange(tx, actor.id, 'member.role.change', `member:${userId}`, { from: member.role, to: role.role }, clock);
        return Object.freeze({ ...member, role: role.role, roleName: role.roleName, permissions: role.permissions, updatedAt: now });
      }));
    },
    async remove(scope, rawUserId, actor) {
      checkActor(actor);
      const userId = userIdField(rawUserId);
      await inTransaction(scope, async (tx) => {
        const { member, owners } = await lockForChange(tx, userId);
        requireGrantable(actor, member.permissions);
        if (member.role === 'owner' && owners <= 1) throw controlErrors.create('MEMBER_LAST_OWNER');
        const sql = sqlOf(tx);
        await sql.query('DELETE FROM tenantry.members WHERE tenant_id = $1 AND user_id = $2', [tx.tenantId, userId]);
        // Removal revokes what the member minted (their keys and open invitations), in this
        // transaction: a later re-add must not bring them back. Verification would refuse them
        // anyway (a key acts within its creator's current grant); this makes the list say so.
        const now = clock.now();
        const creator = `user:${userId}`;
        const { rows: keys } = await sql.query<{ id: string }>(
          'UPDATE tenantry.api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND created_by = $2 AND revoked_at IS NULL RETURNING id',
          [tx.tenantId, creator, now],
        );
        const { rows: invitations } = await sql.query<{ id: string }>(
          'UPDATE tenantry.invitations SET revoked_at = $3 WHERE tenant_id = $1 AND invited_by = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id',
          [tx.tenantId, creator, now],
        );
        await auditChange(tx, actor.id, 'member.remove', `member:${userId}`, {
          role: member.role, revokedApiKeys: keys.map((k) => k.id), revokedInvitations: invitations.map((i) => i.id),
        }, clock);
      });
      await announced(scope, undefined);
    },
  } satisfies Members);
}
