// Just-in-time membership: the first sign-in through a connection makes the user a member with
// the role the tenant's rules give their claims; each later sign-in brings the role up to date,
// and a user the rules no longer admit (removed from the group at the IdP) stops being a member.
// Only members the connection provisioned (a row in tenantry.sso_identities) are changed or
// removed: a member added by hand is never touched by a sign-in.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/index.js';
import { systemActor, type Member, type Members } from '../control/index.js';
import type { TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import type { SsoConnection } from './connections.js';
import { identityErrors } from './errors.js';
import { roleFor } from './role-rules.js';

/** Who the identity provider says signed in. */
export interface ExternalIdentity {
  /** The provider's stable subject (OIDC `sub`, SAML NameID, LDAP DN). */
  readonly subject: string;
  readonly email?: string;
  /** Claims, attributes or groups the role rules read. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * The member the identity is in the transaction's tenant after this sign-in. SSO_NO_ROLE when
 * no rule (nor default role) admits them; a member this connection provisioned before is
 * removed first, in the same transaction — so that removal commits even though the sign-in is
 * refused, the caller commits the transaction and throws the returned refusal afterwards.
 */
export async function provisionMember(
  tx: TenantTransaction,
  connection: SsoConnection,
  identity: ExternalIdentity,
  deps: { readonly members: Members; readonly clock: Clock },
): Promise<{ member: Member; created: boolean } | { refusal: Error }> {
  const sql = unguardedQuery(tx);
  const now = deps.clock.now();
  const actor = systemActor(`sso:${connection.id}`);
  const { rows } = await sql.query<{ user_id: string }>(
    'SELECT user_id FROM tenantry.sso_identities WHERE tenant_id = $1 AND connection_id = $2 AND subject = $3 FOR UPDATE',
    [tx.tenantId, connection.id, identity.subject],
  );
  const known = rows[0]?.user_id;
  const role = roleFor(connection.roleRules, identity.claims, connection.defaultRole);
  if (role === undefined) {
    await deprovisionMember(tx, connection, identity.subject, deps);
    return { refusal: identityErrors.create('SSO_NO_ROLE') };
  }
  // A user id of Tenantry's making: the provider's subject may be any string, and two
  // connections' subjects may collide.
  const userId = known ?? `sso_${randomUUID()}`;
  await sql.query(
    `INSERT INTO tenantry.sso_identities (tenant_id, connection_id, subject, user_id, email, created_at, last_sign_in_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (tenant_id, connection_id, subject) DO UPDATE SET email = excluded.email, last_sign_in_at = excluded.last_sign_in_at`,
    [tx.tenantId, connection.id, identity.subject, userId, identity.email ?? null, now],
  );
  const existing = await deps.members.tryGet(tx, userId);
  if (existing === undefined) return { member: await deps.members.add(tx, { userId, role }, actor), created: true };
  if (existing.role === role) return { member: existing, created: false };
  return { member: await deps.members.changeRole(tx, userId, role, actor), created: false };
}

/**
 * Removes the member the connection provisioned for `subject` (SCIM deactivation or deletion, or a
 * sign-in no rule admits any more), in the caller's transaction; true when there was one. Their
 * tokens and API keys stop at once: every request reads the membership (the instances' access
 * caches drop it through the change feed), and a key is bounded by its creator's current grant.
 */
export async function deprovisionMember(
  tx: TenantTransaction,
  connection: Pick<SsoConnection, 'id'>,
  subject: string,
  deps: { readonly members: Members },
): Promise<boolean> {
  const sql = unguardedQuery(tx);
  const { rows } = await sql.query<{ user_id: string }>(
    'DELETE FROM tenantry.sso_identities WHERE tenant_id = $1 AND connection_id = $2 AND subject = $3 RETURNING user_id', [tx.tenantId, connection.id, subject]);
  const known = rows[0]?.user_id;
  if (known === undefined || !await deps.members.tryGet(tx, known)) return false;
  await deps.members.remove(tx, known, systemActor(`sso:${connection.id}`));
  return true;
}
