// The SQL of tenantry.tenant_keys (migration 0003), always sent through a tenant scope or
// transaction: the app role reads and writes key rows under row-level security, so a tenant
// cannot even load another tenant's wrapped keys.
import type { TenantId } from '../core/index.js';
import type { SqlQueryable, TenantScope, TenantTransaction } from '../postgres/index.js';

/**
 * A tenant scope or transaction: what `db.withTenant(id, (scope) => …)` and
 * `db.transaction(id, (tx) => …)` hand their callbacks (the real ones: see keySql).
 */
export type EncryptionScope = TenantScope | TenantTransaction;

/** One data key row. A destroyed key keeps its row (its version is never reused) but not its key. */
export interface DataKeyRow {
  readonly version: number;
  readonly masterKeyId: string | null;
  readonly wrappedKey: Buffer | null;
  readonly createdAt: Date;
  readonly rewrappedAt: Date | null;
  readonly destroyedAt: Date | null;
}

// Every statement names tenant_id as well as relying on the policy: both must agree (a scope
// object claiming another tenant finds nothing), and Citus can route on it.
const COLUMNS = `version, master_key_id AS "masterKeyId", wrapped_key AS "wrappedKey", created_at AS "createdAt",
  rewrapped_at AS "rewrappedAt", destroyed_at AS "destroyedAt"`;

export async function readKeyRow(scope: SqlQueryable, tenantId: TenantId, version: number): Promise<DataKeyRow | undefined> {
  const { rows } = await scope.query<DataKeyRow>(`SELECT ${COLUMNS} FROM tenantry.tenant_keys WHERE tenant_id = $1 AND version = $2`, [tenantId, version]);
  return rows[0];
}

export async function readNewestKeyRow(scope: SqlQueryable, tenantId: TenantId): Promise<DataKeyRow | undefined> {
  const { rows } = await scope.query<DataKeyRow>(
    `SELECT ${COLUMNS} FROM tenantry.tenant_keys WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`,
    [tenantId],
  );
  return rows[0];
}

/** Every key row of the tenant, oldest first, without the wrapped keys. */
export async function listKeyRows(scope: SqlQueryable, tenantId: TenantId): Promise<DataKeyRow[]> {
  const { rows } = await scope.query<DataKeyRow>(
    `SELECT version, master_key_id AS "masterKeyId", NULL::bytea AS "wrappedKey", created_at AS "createdAt",
            rewrapped_at AS "rewrappedAt", destroyed_at AS "destroyedAt"
       FROM tenantry.tenant_keys WHERE tenant_id = $1 ORDER BY version`,
    [tenantId],
  );
  return rows;
}

/** Inserts a key row; false when that version exists already (a concurrent writer won). */
export async function insertKeyRow(
  scope: SqlQueryable,
  tenantId: TenantId,
  row: { version: number; masterKeyId: string; wrappedKey: Uint8Array; createdAt: Date },
): Promise<boolean> {
  const { rows } = await scope.query(
    `INSERT INTO tenantry.tenant_keys (tenant_id, version, master_key_id, wrapped_key, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, version) DO NOTHING RETURNING version`,
    [tenantId, row.version, row.masterKeyId, Buffer.from(row.wrappedKey), row.createdAt],
  );
  return rows.length === 1;
}

/** Removes the wrapped key of every live version; returns the versions destroyed now. */
export async function destroyKeyRows(scope: SqlQueryable, tenantId: TenantId, at: Date): Promise<number[]> {
  const { rows } = await scope.query<{ version: number }>(
    `UPDATE tenantry.tenant_keys SET wrapped_key = NULL, master_key_id = NULL, destroyed_at = $2
      WHERE tenant_id = $1 AND destroyed_at IS NULL RETURNING version`,
    [tenantId, at],
  );
  return rows.map((r) => r.version).sort((x, y) => x - y);
}
