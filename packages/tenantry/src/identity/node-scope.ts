// The node scope of a tenant transaction (hierarchical tenants, docs/hierarchy.md): entering a
// node sets `app.node_id` for this transaction only, and the restrictive policies of migration
// 0025 (and of the application tables put under them by `scopeTableToNodes`) then show that node
// and its descendants, nothing above or beside it. The setting is made here, unguarded; the SQL
// guard refuses set_config and SET in application statements, so a scope cannot be left.
import { quoteIdentifier, toTenantryError, type SqlPool, type TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { identityErrors } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCOPE = "(SELECT nullif(current_setting('app.node_id', true), '')::uuid)";
const POLICY = 'tenantry_node_scope';

/**
 * Enters `nodeId` for the rest of `tx`. The node must be visible to the transaction (of its
 * tenant, and inside a scope already entered): NODE_NOT_FOUND otherwise, so a scope only
 * narrows. A scope lasts until the transaction ends; it is never inherited by the next one.
 *
 * @example await db.transaction(tenantId, async (tx) => { await enterNode(tx, propertyId); return tx.query('SELECT * FROM bookings'); });
 */
export async function enterNode(tx: TenantTransaction, nodeId: string): Promise<void> {
  if (typeof nodeId !== 'string' || !UUID.test(nodeId)) throw identityErrors.create('NODE_NOT_FOUND');
  // One round trip: the setting is made only from a row the transaction can see.
  const { rows } = await unguardedQuery(tx).query(
    "SELECT pg_catalog.set_config('app.node_id', n.id::text, true) FROM tenantry.tenant_nodes n WHERE n.tenant_id = $1 AND n.id = $2", [tx.tenantId, nodeId]);
  if (rows.length === 0) throw identityErrors.create('NODE_NOT_FOUND');
}

/**
 * Enters the node `userId` is granted at, if any (a whole-tenant member stays unscoped). Call it
 * first in every transaction a member's request runs: the grant is read in the same transaction.
 *
 * @example await db.transaction(tenantId, async (tx) => { await enterMemberScope(tx, userId); … });
 */
export async function enterMemberScope(tx: TenantTransaction, userId: string): Promise<string | undefined> {
  // One round trip whether or not there is a grant: a whole-tenant member pays what a scoped one does.
  const { rows } = await unguardedQuery(tx).query<{ node_id: string }>(
    `SELECT g.node_id, pg_catalog.set_config('app.node_id', n.id::text, true)
       FROM tenantry.tenant_node_grants g JOIN tenantry.tenant_nodes n ON n.tenant_id = g.tenant_id AND n.id = g.node_id
      WHERE g.tenant_id = $1 AND g.user_id = $2`, [tx.tenantId, userId]);
  return rows[0]?.node_id;
}

/**
 * Puts an application table (already under `isolateTable`) under the node scope: a RESTRICTIVE
 * policy that, inside a scope, admits only rows whose `column` names a node of the scope's
 * subtree — for reading and writing; a row with no node is the tenant's, out of every scope's
 * sight. Re-running it is a no-op.
 *
 * @example await scopeTableToNodes('public.bookings', { admin: ownerPool, column: 'node_id' });
 */
export async function scopeTableToNodes(table: string, options: { readonly admin: SqlPool; readonly column?: string }): Promise<void> {
  const column = quoteIdentifier(options.column ?? 'node_id');
  try {
    const { rows } = await options.admin.query<{ qualified: string | null; relname: string; exists: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS qualified, c.relname, EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2) AS exists
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`, [table, POLICY]);
    const found = rows[0];
    if (!found?.qualified) throw identityErrors.create('NODE_INVALID', { details: { field: 'table', reason: 'no such table' } });
    if (found.exists) return;
    // Correlated, one primary-key probe per row checked (a point read costs one probe, whatever
    // the size of the subtree); the node table's own policies apply inside it as well.
    const row = `${quoteIdentifier(found.relname)}.${column}`;
    const predicate = `${SCOPE} IS NULL OR EXISTS (SELECT 1 FROM tenantry.tenant_nodes n
      WHERE n.tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid) AND n.id = ${row} AND n.path @> ARRAY[${SCOPE}])`;
    await options.admin.query(`CREATE POLICY ${POLICY} ON ${found.qualified} AS RESTRICTIVE FOR ALL TO PUBLIC USING (${predicate}) WITH CHECK (${predicate})`);
  } catch (err) {
    throw toTenantryError(err);
  }
}
