// eraseAuditLog: the end of a deleted tenant's retention period — the one way the append-only
// triggers let rows of the audit log go.
import type { TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { withAuditOperator } from './audit-operator.js';
import { auditErrors } from './errors.js';

export interface EraseAuditLogResult {
  readonly events: number;
  readonly checkpoints: number;
}

/**
 * Deletes the audit chain, checkpoints and head of a tenant whose status is `deleted`, through
 * the operator role. Offboarding keeps the log (a purge does not touch it): export it, keep it
 * as long as your retention rule says, then erase it. The triggers refuse the delete unless the
 * tenant is deleted in the registry and this transaction said it is erasing that tenant, so
 * neither an operator bug nor a live tenant's request can empty a live chain this way.
 *
 * @example
 * if (retentionEnded(tenant)) await eraseAuditLog({ operator, tenantId: tenant.id });
 */
export async function eraseAuditLog(options: { readonly operator: SqlPool; readonly tenantId: TenantId | string }): Promise<EraseAuditLogResult> {
  return withAuditOperator(options.operator, options.tenantId, async (tx) => {
    const { rows } = await tx.query<{ status: string }>('SELECT status FROM tenantry.tenants WHERE id = $1', [tx.tenantId]);
    if (rows[0]?.status !== 'deleted') throw auditErrors.create('AUDIT_TENANT_NOT_DELETED');
    await tx.query("SELECT pg_catalog.set_config('tenantry.audit_erase', $1, true)", [tx.tenantId]);
    const checkpoints = await tx.query('DELETE FROM tenantry.audit_checkpoints WHERE tenant_id = $1', [tx.tenantId]);
    const events = await tx.query('DELETE FROM tenantry.audit_events WHERE tenant_id = $1', [tx.tenantId]);
    await tx.query('DELETE FROM tenantry.audit_heads WHERE tenant_id = $1', [tx.tenantId]);
    return { events: events.rowCount ?? 0, checkpoints: checkpoints.rowCount ?? 0 };
  });
}
