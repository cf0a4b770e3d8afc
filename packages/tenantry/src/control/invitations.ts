// Invitations by email: a single-use token (256 random bits, shown once, stored as SHA-256)
// with an expiry; accepting adds the member with the invited role, once.
import { systemClock, tryParseTenantId, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool, SqlQueryable } from '../postgres/index.js';
import type { AccessCache } from './access-cache.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { checkActor, emailField, inTransaction, newRecordId, recordId, sqlOf, type ControlScope } from './control-sql.js';
import { resolveRole, ROLE_COLUMNS, ROLE_JOIN, storedRole, type RoleColumns } from './custom-roles.js';
import { auditChange } from './audit-change.js';
import { currentAuthority, missingFrom, operatorActiveIn } from './grant-authority.js';
import { controlErrors } from './errors.js';
import { requireGrantable, type Actor, type Permission } from './permissions.js';
import { issueToken, tokenMatches, tokenPublicPart } from './secret-token.js';
import { userIdField, type Member } from './tenant-members.js';
import { countMembers, type SeatCheck } from './seat-check.js';

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

export interface Invitation {
  readonly id: string;
  readonly email: string;
  /** A built-in role's name or a custom role's id ('' once a closed invitation's custom role was deleted). */
  readonly role: string;
  readonly roleName: string;
  readonly permissions: readonly Permission[];
  readonly status: InvitationStatus;
  readonly invitedBy: string;
  readonly createdAt: Date;
  readonly sentAt: Date;
  readonly sendCount: number;
  readonly expiresAt: Date;
  readonly acceptedAt?: Date;
  readonly acceptedBy?: string;
  readonly revokedAt?: Date;
}

/** An invitation and its token: the token is shown this once (put it in the email's link). */
export interface IssuedInvitation {
  readonly invitation: Invitation;
  readonly token: string;
}

export interface InvitationsOptions {
  readonly clock?: Clock;
  /** How long a token is valid after it was (re)sent. Default 7 days; 1 minute to 90 days. */
  readonly ttlMs?: number;
  /** The seat limit checked when an invitation is accepted (seat-check.ts). */
  readonly seatCheck?: SeatCheck;
  /**
   * The operator-role pool, to tell whether the operator who sent an invitation (impersonating)
   * is still active when it is accepted. Without it such invitations cannot be accepted.
   */
  readonly operator?: SqlPool;
  /** The instance's cache of principals, told when an accepted invitation adds a member. */
  readonly access?: AccessCache;
}

export interface Invitations {
  /**
   * Invites an email address with a role the actor may grant. Throws INVITATION_PENDING_EXISTS
   * when the address has an open invitation (resend or revoke it instead).
   *
   * @example const { token } = await invitations.create(tx, { email: 'ada@example.com', role: 'member' }, actor);
   */
  create(scope: ControlScope, input: { readonly email: string; readonly role: string }, actor: Actor): Promise<IssuedInvitation>;
  list(scope: ControlScope): Promise<Invitation[]>;
  get(scope: ControlScope, id: string): Promise<Invitation>;
  /** Revokes an open invitation (its token stops working). Revoking twice changes nothing. */
  revoke(scope: ControlScope, id: string, actor: Actor): Promise<Invitation>;
  /**
   * A new token and expiry for an open (or expired) invitation; the previous token stops
   * working. The resender becomes its sender (`invitedBy`): accept is checked against their grant.
   */
  resend(scope: ControlScope, id: string, actor: Actor): Promise<IssuedInvitation>;
  /**
   * Accepts with the token from the link: adds `userId` as a member with the invited role and
   * closes the invitation, once. With `email` (the signed-in user's verified address) the
   * invitation must have been sent to it. Throws INVITATION_NOT_FOUND (unknown, another
   * tenant's, or a wrong or replaced token), INVITATION_EXPIRED, INVITATION_ALREADY_ACCEPTED,
   * INVITATION_REVOKED, INVITATION_EMAIL_MISMATCH, MEMBER_ALREADY_EXISTS, and
   * INVITATION_GRANT_LAPSED when whoever sent it may no longer grant its role (demoted,
   * removed, their role narrowed or deleted): an invitation never outlives its sender's grant.
   *
   * @example
   * const tenantId = invitationTenantId(token);
   * if (tenantId) await db.transaction(tenantId, (tx) => invitations.accept(tx, token, { userId, email }));
   */
  accept(scope: ControlScope, token: string, user: { readonly userId: string; readonly email?: string }): Promise<{ invitation: Invitation; member: Member }>;
}

const PREFIX = 'tnt_inv';
// The public part names the tenant and the invitation: the token is enough to find both, so
// the accept link needs no other parameter. Neither id is a secret.
const PUBLIC_PART = /[0-9a-f]{32}_[0-9a-f]{32}/;
const DEFAULT_TTL_MS = 7 * 24 * 3_600_000;

const hexOf = (uuid: string) => uuid.replace(/-/g, '');
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

function parseInvitationToken(token: unknown): { tenantId: TenantId; invitationId: string } | undefined {
  const publicPart = tokenPublicPart(PREFIX, PUBLIC_PART, token);
  if (publicPart === undefined) return undefined;
  const [tenantHex = '', invitationHex = ''] = publicPart.split('_');
  const tenantId = tryParseTenantId(uuidOf(tenantHex));
  const invitationId = recordId(uuidOf(invitationHex));
  return tenantId === undefined || invitationId === undefined ? undefined : { tenantId, invitationId };
}

/**
 * The tenant an invitation token is for (to open its transaction before accepting), or
 * undefined when the text is not an invitation token. It proves nothing: accept checks the token.
 *
 * @example const tenantId = invitationTenantId(request.body.token);
 */
export function invitationTenantId(token: unknown): TenantId | undefined {
  return parseInvitationToken(token)?.tenantId;
}

interface InvitationRow extends RoleColumns {
  id: string; email: string; token_hash: Buffer; invited_by: string; created_at: Date; sent_at: Date; send_count: number;
  expires_at: Date; accepted_at: Date | null; accepted_by: string | null; revoked_at: Date | null;
}

const SELECT = `SELECT x.id, x.email, ${ROLE_COLUMNS}, x.token_hash, x.invited_by, x.created_at, x.sent_at, x.send_count,
  x.expires_at, x.accepted_at, x.accepted_by, x.revoked_at FROM tenantry.invitations x ${ROLE_JOIN}`;

function statusOf(row: InvitationRow, now: Date): InvitationStatus {
  if (row.accepted_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at.getTime() <= now.getTime() ? 'expired' : 'pending';
}

function toInvitation(row: InvitationRow, now: Date): Invitation {
  return Object.freeze({
    id: row.id,
    email: row.email,
    ...storedRole(row),
    status: statusOf(row, now),
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    sendCount: row.send_count,
    expiresAt: row.expires_at,
    ...(row.accepted_at === null ? {} : { acceptedAt: row.accepted_at }),
    ...(row.accepted_by === null ? {} : { acceptedBy: row.accepted_by }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  });
}

async function lockInvitation(sql: SqlQueryable, tenantId: TenantId, rawId: string): Promise<InvitationRow> {
  const id = recordId(rawId);
  const { rows } = id === undefined ? { rows: [] } : await sql.query<InvitationRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.id = $2 FOR UPDATE OF x`, [tenantId, id]);
  if (!rows[0]) throw controlErrors.create('INVITATION_NOT_FOUND');
  return rows[0];
}

function requireOpen(row: InvitationRow): void {
  if (row.accepted_at !== null) throw controlErrors.create('INVITATION_ALREADY_ACCEPTED');
  if (row.revoked_at !== null) throw controlErrors.create('INVITATION_REVOKED');
}

/**
 * @example
 * const invitations = createInvitations({ ttlMs: 3 * 24 * 3_600_000 });
 * const { invitation, token } = await db.transaction(tenantId, (tx) => invitations.create(tx, { email, role: 'member' }, actor));
 * await mailer.send(email, `https://app.example.com/join?token=${token}`);
 */
export function createInvitations(options: InvitationsOptions = {}): Invitations {
  checkKnownKeys(options, ['clock', 'ttlMs', 'seatCheck', 'operator', 'access'], '');
  const { seatCheck, access } = options;
  const operatorActive = options.operator === undefined ? undefined : operatorActiveIn(options.operator);
  const clock = options.clock ?? systemClock;
  const ttlMs = integerOption(options.ttlMs, DEFAULT_TTL_MS, 60_000, 90 * 24 * 3_600_000, 'ttlMs');
  const newToken = (tenantId: TenantId, id: string) => issueToken(PREFIX, `${hexOf(tenantId)}_${hexOf(id)}`);

  return Object.freeze({
    async create(scope, input, actor) {
      checkActor(actor);
      const email = emailField(input.email);
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const role = await resolveRole(sql, tx.tenantId, input.role);
        requireGrantable(actor, role.permissions);
        const id = newRecordId();
        const { token, hash } = newToken(tx.tenantId, id);
        const now = clock.now();
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.invitations (tenant_id, id, email, builtin_role, custom_role_id, token_hash, invited_by, created_at, sent_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
           ON CONFLICT (tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL DO NOTHING`,
          [tx.tenantId, id, email, role.builtinRole, role.customRoleId, hash, actor.id, now, new Date(now.getTime() + ttlMs)],
        );
        if (rowCount !== 1) throw controlErrors.create('INVITATION_PENDING_EXISTS');
        await auditChange(tx, actor.id, 'invitation.create', `invitation:${id}`, { role: role.role }, clock);
        const { rows } = await sql.query<InvitationRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.id = $2`, [tx.tenantId, id]);
        return { invitation: toInvitation(rows[0] as InvitationRow, now), token };
      });
    },
    async list(scope) {
      const { rows } = await sqlOf(scope).query<InvitationRow>(`${SELECT} WHERE x.tenant_id = $1 ORDER BY x.created_at DESC, x.id`, [scope.tenantId]);
      const now = clock.now();
      return rows.map((row) => toInvitation(row, now));
    },
    async get(scope, rawId) {
      const id = recordId(rawId);
      const { rows } = id === undefined ? { rows: [] } : await sqlOf(scope).query<InvitationRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.id = $2`, [scope.tenantId, id]);
      if (!rows[0]) throw controlErrors.create('INVITATION_NOT_FOUND');
      return toInvitation(rows[0], clock.now());
    },
    async revoke(scope, id, actor) {
      checkActor(actor);
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const row = await lockInvitation(sql, tx.tenantId, id);
        const now = clock.now();
        if (row.revoked_at !== null) return toInvitation(row, now);
        if (row.accepted_at !== null) throw controlErrors.create('INVITATION_ALREADY_ACCEPTED');
        requireGrantable(actor, storedRole(row).permissions);
        await sql.query('UPDATE tenantry.invitations SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2', [tx.tenantId, row.id, now]);
        await auditChange(tx, actor.id, 'invitation.revoke', `invitation:${row.id}`, {}, clock);
        return toInvitation({ ...row, revoked_at: now }, now);
      });
    },
    async resend(scope, id, actor) {
      checkActor(actor);
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const row = await lockInvitation(sql, tx.tenantId, id);
        requireOpen(row);
        requireGrantable(actor, storedRole(row).permissions);
        const { token, hash } = newToken(tx.tenantId, row.id);
        const now = clock.now();
        const expiresAt = new Date(now.getTime() + ttlMs);
        // Whoever resends grants the role anew (it was checked above): the invitation is now
        // theirs, and accept checks their authority, not the first sender's.
        await sql.query(
          `UPDATE tenantry.invitations SET token_hash = $3, sent_at = $4, send_count = send_count + 1, expires_at = $5, invited_by = $6
            WHERE tenant_id = $1 AND id = $2`,
          [tx.tenantId, row.id, hash, now, expiresAt, actor.id],
        );
        await auditChange(tx, actor.id, 'invitation.resend', `invitation:${row.id}`, { invitedBy: { from: row.invited_by, to: actor.id } }, clock);
        return { invitation: toInvitation({ ...row, token_hash: hash, sent_at: now, send_count: row.send_count + 1, expires_at: expiresAt, invited_by: actor.id }, now), token };
      });
    },
    async accept(scope, token, user) {
      // Exactly as authentication issued it (never trimmed: " a" is not "a").
      const userId = userIdField(user.userId);
      const email = user.email === undefined ? undefined : emailField(user.email);
      const parsed = parseInvitationToken(token);
      // A token for another tenant is not found here, like a token that never existed.
      if (parsed === undefined || parsed.tenantId !== scope.tenantId) throw controlErrors.create('INVITATION_NOT_FOUND');
      const accepted = await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const { rows } = await sql.query<InvitationRow>(`${SELECT} WHERE x.tenant_id = $1 AND x.id = $2 FOR UPDATE OF x`, [tx.tenantId, parsed.invitationId]);
        const row = rows[0];
        // The row lock makes a second, concurrent accept wait and then see this one's result.
        if (!tokenMatches(token, row?.token_hash) || row === undefined) throw controlErrors.create('INVITATION_NOT_FOUND');
        requireOpen(row);
        const now = clock.now();
        if (row.expires_at.getTime() <= now.getTime()) throw controlErrors.create('INVITATION_EXPIRED');
        if (email !== undefined && email !== row.email) throw controlErrors.create('INVITATION_EMAIL_MISMATCH');
        // The sender's authority now, not when they sent it (the same rule as API keys).
        const authority = await currentAuthority(sql, tx.tenantId, row.invited_by, { now, operatorActive });
        const missing = authority === undefined ? storedRole(row).permissions : missingFrom(storedRole(row).permissions, authority);
        if (authority === undefined || missing.length > 0) {
          throw controlErrors.create('INVITATION_GRANT_LAPSED', { details: { invitedBy: row.invited_by, missing: [...missing] } });
        }
        if (seatCheck) await seatCheck(tx, () => countMembers(tx));
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.members (tenant_id, user_id, builtin_role, custom_role_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (tenant_id, user_id) DO NOTHING`,
          [tx.tenantId, userId, row.builtin_role, row.custom_role_id, now],
        );
        if (rowCount !== 1) throw controlErrors.create('MEMBER_ALREADY_EXISTS');
        await sql.query('UPDATE tenantry.invitations SET accepted_at = $3, accepted_by = $4 WHERE tenant_id = $1 AND id = $2', [tx.tenantId, row.id, now, userId]);
        await auditChange(tx, `user:${userId}`, 'invitation.accept', `invitation:${row.id}`, { role: storedRole(row).role }, clock);
        const invitation = toInvitation({ ...row, accepted_at: now, accepted_by: userId }, now);
        const member: Member = Object.freeze({ userId, role: invitation.role, roleName: invitation.roleName, permissions: invitation.permissions, createdAt: now, updatedAt: now });
        return { invitation, member };
      });
      // A new member: every instance drops what it cached of the tenant's principals (the
      // user's "not a member" among them).
      await access?.changed(scope.tenantId);
      return accepted;
    },
  } satisfies Invitations);
}
