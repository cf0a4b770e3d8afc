// Per-tenant allowed origins (CORS): the list each tenant keeps of the browser origins that may
// call its API. Matching a request against it is isOriginAllowed (origin.ts).
import { systemClock, type Clock } from '../core/index.js';
import { inTransaction, sqlOf, type ControlScope } from './control-sql.js';
import { controlErrors } from './errors.js';
import { parseOrigin } from './origin.js';

/** How many origins one tenant may list: a CORS list is short, and each request checks it. */
export const MAX_ALLOWED_ORIGINS = 100;

export interface AllowedOrigins {
  /** The tenant's allowed origins, sorted; pass them to `isOriginAllowed`. */
  list(scope: ControlScope): Promise<string[]>;
  /**
   * Adds an origin (normalized by `parseOrigin`; adding one already listed changes nothing) and
   * returns it as stored. Throws ORIGIN_INVALID, ORIGIN_LIMIT_REACHED.
   *
   * @example await origins.add(scope, 'https://app.acme.com');
   */
  add(scope: ControlScope, origin: string): Promise<string>;
  /** Removes an origin; ORIGIN_NOT_FOUND when the tenant does not list it. */
  remove(scope: ControlScope, origin: string): Promise<void>;
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
    async add(scope, value) {
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
        return origin;
      });
    },
    async remove(scope, value) {
      let origin: string;
      try {
        origin = parseOrigin(value);
      } catch {
        throw controlErrors.create('ORIGIN_NOT_FOUND');
      }
      const { rowCount } = await sqlOf(scope).query('DELETE FROM tenantry.allowed_origins WHERE tenant_id = $1 AND origin = $2', [scope.tenantId, origin]);
      if (rowCount !== 1) throw controlErrors.create('ORIGIN_NOT_FOUND');
    },
  } satisfies AllowedOrigins);
}
