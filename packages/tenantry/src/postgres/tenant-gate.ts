// The statements that put a tenant in force. They are sent in the same write as the first
// statement that needs them (see SqlConnection.queryAfter), so entering a tenant costs no
// round trip of its own. Measured in bench/isolation; the reasoning is in docs/isolation.md.
import type { TenantId } from '../core/index.js';
import type { PreambleStatement } from './sql-client.js';

/** Which tenants may enter: only active ones (default), or also those being offboarded (for the purge). */
export type AdmitMode = 'active' | 'offboarding';

export const BEGIN: PreambleStatement = Object.freeze({ name: 'tenantry_begin', text: 'BEGIN', values: [] });

/**
 * Sets the tenant for the current transaction only and raises TN404/TN403/TN503 unless the
 * tenant may work now (tenantry.enter_tenant, migration 0002).
 */
export function enterTenant(tenantId: TenantId, admit: AdmitMode): PreambleStatement {
  return {
    name: 'tenantry_enter_tenant',
    text: 'SELECT tenantry.enter_tenant($1::uuid, $2::text)',
    values: [tenantId, admit === 'offboarding' ? 'offboarding' : 'work'],
  };
}
