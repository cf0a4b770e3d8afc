// The bearer tokens an identity provider pushes SCIM with: one per connection, made by a tenant
// admin, shown once. Only the SHA-256 is stored, in an operator-role registry (the token names
// its tenant before any tenant is known); a rotation replaces it, so the previous token stops at
// once. Making and revoking one is audited in the tenant's log.
import { createHash, randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../audit/index.js';
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool } from '../postgres/index.js';
import { inTransaction, type ControlScope, type SsoConnections } from './connections.js';
import { identityErrors } from './errors.js';

const TOKEN = /^tnt_scim_[A-Za-z0-9_-]{43}$/;

export interface ScimTokens {
  /**
   * A new token for the connection (the only time it is shown); the previous one stops working.
   *
   * @example const { token } = await scimTokens.rotate(scope, connection.id, 'user:alice');
   */
  rotate(scope: ControlScope, connectionId: string, actor: string): Promise<{ token: string }>;
  /** The connection's token stops working; SCIM pushes are then refused. */
  revoke(scope: ControlScope, connectionId: string, actor: string): Promise<void>;
  /** The tenant and connection of a token; SCIM_TOKEN_INVALID when it is unknown or replaced. */
  verify(token: string): Promise<{ tenantId: TenantId; connectionId: string }>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();

/**
 * @example const scimTokens = createScimTokens({ operator, connections, clock });
 */
export function createScimTokens(options: { readonly operator: SqlPool; readonly connections: SsoConnections; readonly clock?: Clock }): ScimTokens {
  const { operator, connections } = options;
  const clock = options.clock ?? systemClock;
  const registry = async <T>(fn: () => Promise<T>) => fn().catch((err: unknown) => { throw toTenantryError(err); });

  return Object.freeze<ScimTokens>({
    async rotate(scope, connectionId, actor) {
      const token = `tnt_scim_${randomBytes(32).toString('base64url')}`;
      await inTransaction(scope, async (tx) => {
        await connections.get(tx, connectionId);
        await appendAuditEvent(tx, { actor, action: 'scim_token.rotate', target: `sso_connection:${connectionId}`, details: {} }, { clock });
        // Written inside the tenant transaction's callback: should the registry write fail, the
        // audit event is rolled back with it.
        await registry(() => operator.query(
          `INSERT INTO tenantry.scim_tokens (token_hash, owner_tenant, connection_id, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (owner_tenant, connection_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
          [hashOf(token), tx.tenantId, connectionId, clock.now()]));
      });
      return { token };
    },
    async revoke(scope, connectionId, actor) {
      await inTransaction(scope, async (tx) => {
        await connections.get(tx, connectionId);
        await appendAuditEvent(tx, { actor, action: 'scim_token.revoke', target: `sso_connection:${connectionId}`, details: {} }, { clock });
        await registry(() => operator.query('DELETE FROM tenantry.scim_tokens WHERE owner_tenant = $1 AND connection_id = $2', [tx.tenantId, connectionId]));
      });
    },
    async verify(token) {
      if (typeof token !== 'string' || !TOKEN.test(token)) throw identityErrors.create('SCIM_TOKEN_INVALID');
      const { rows } = await registry(() => operator.query<{ owner_tenant: TenantId; connection_id: string }>(
        'SELECT owner_tenant, connection_id FROM tenantry.scim_tokens WHERE token_hash = $1', [hashOf(token)]));
      if (!rows[0]) throw identityErrors.create('SCIM_TOKEN_INVALID');
      return { tenantId: rows[0].owner_tenant, connectionId: rows[0].connection_id };
    },
  });
}
