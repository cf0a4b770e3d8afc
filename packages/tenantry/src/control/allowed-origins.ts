// Per-tenant allowed origins (CORS): the list each tenant keeps of the browser origins that may
// call its API. Matching a request against it is isOriginAllowed (origin.ts).
import { systemClock, type Clock } from '../core/index.js';
import { auditChange } from './audit-change.js';
import { checkActor, inTransaction, sqlOf, type ControlScope } from './control-sql.js';
import { controlErrors } from './errors.js';
import { parseOrigin } from './origin.js';
import { systemActor, type Actor } from './permissions.js';

/** How many origins one tenant may list: a CORS list is short, and each request checks it. */
export const MAX_ALLOWED_ORIGINS = 100;

export interface AllowedOrigins {
  /** The tenant's allowed origins, sorted; pass them to `isOriginAllowed`. */
  list(scope: ControlScope): Promise<string[]>;
  /**
   * Adds an origin (normalized by `parseOrigin`; adding one already listed changes nothing) and
   * returns it as stored, audited as `origin.add` by `actor` (default `system`) in the same
   * transaction. Throws ORIGIN_INVALID, ORIGIN_LIMIT_REACHED.
   *
   * @example await origins.add(scope, 'https://app.acme.com', actor);
   */
  add(scope: ControlScope, origin: string, actor?: Actor): Promise<string>;
  /** Removes an origin (audited as `origin.remove`); ORIGIN_NOT_FOUND when the tenant does not list it. */
  remove(scope: ControlScope, origin: string, actor?: Actor): Promise<void>;
}

/**
 * @example
 * const origins = createAllowedOrigins();
 * const allowed = await db.withTenant(tenantId, (scope) => origins.list(scope));
 * if (isOriginAllowed(allowed, request.headers.origin)) reply.header('access-control-allow-origin', request.headers.origin);
 */
export function createAllowedOrigins(options: { readonly clock?: Clock } = {}): AllowedOrigins {
  const clock = options.clock ?? systemClock;
  return Object.freeze({
    async list(scope) {
      const { rows } = await sqlOf(scope).query<{ origin: string }>('SELECT origin FROM tenantry.allowed_origins WHERE tenant_id = $1 ORDER BY origin', [scope.tenantId]);
      return rows.map((r) => r.origin);
    },
    async add(scope, value, actor = systemActor()) {
      checkActor(actor);
      const origin = parseOrigin(value);
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const { rows } = await sql.query<{ listed: boolean; n: number }>(
          'SELECT bool_or(origin = $2) AS listed, count(*)::int AS n FROM tenantry.allowed_origins WHERE tenant_id = $1',
          [tx.tenantId, origin],
        );
        if (rows[0]?.listed) return origin;
        if ((rows[0]?.n ?? 0) >= MAX_ALLOWED_ORIGINS) throw controlErrors.create('ORIGIN_LIMIT_REACHED', { details: { limit: MAX_ALLOWED_ORIGINS } });
        await sql.query('INSERT INTO tenantry.allowed_origins (tenant_id, origin, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tx.tenantId, origin, clock.now()]);
        await auditChange(tx, actor.id, 'origin.add', `origin:${origin}`, { origin, count: { from: rows[0]?.n ?? 0, to: (rows[0]?.n ?? 0) + 1 } }, clock);
        return origin;
      });
    },
    async remove(scope, value, actor = systemActor()) {
      checkActor(actor);
      let origin: string;
      try {
        origin = parseOrigin(value);
      } catch {
        throw controlErrors.create('ORIGIN_NOT_FOUND');
      }
      await inTransaction(scope, async (tx) => {
        const { rowCount } = await sqlOf(tx).query('DELETE FROM tenantry.allowed_origins WHERE tenant_id = $1 AND origin = $2', [tx.tenantId, origin]);
        if (rowCount !== 1) throw controlErrors.create('ORIGIN_NOT_FOUND');
        await auditChange(tx, actor.id, 'origin.remove', `origin:${origin}`, { origin }, clock);
      });
    },
  } satisfies AllowedOrigins);
}
