// eraseTenant: forgetting a deleted tenant for good, once its grace period is over. Deleting a
// tenant already shredded its data keys and purged its rows (TenantRegistry.delete); erasure
// removes what was kept for the grace period — its backups, its audit log, its operator-side
// records — and issues a certificate of erasure: what was deleted, when, which keys were
// shredded, and the SHA-256 of the certificate's canonical JSON.
import { createHash } from 'node:crypto';
import { canonicalJson, eraseAuditLog, queryAuditEvents, verifyAuditChain, withAuditOperator, type AuditVerificationKey, type JsonObject } from '../audit/index.js';
import { parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool } from '../postgres/index.js';
import type { BackupStore } from './backup-store.js';
import { mobilityErrors } from './errors.js';

export const ERASURE_CERTIFICATE_TYPE = 'tenantry.erasure-certificate/v1';

export interface EraseTenantOptions {
  readonly operator: SqlPool;
  readonly tenantId: TenantId | string;
  /** Days after deletion before erasure is allowed. Default 30. */
  readonly graceDays?: number;
  /** The backup locations to empty of this tenant's backups. */
  readonly backups?: readonly BackupStore[];
  /** Keys of the audit log's signed checkpoints, to verify it one last time. */
  readonly auditKeys?: readonly AuditVerificationKey[];
  readonly actor: string;
  readonly clock?: Clock;
}

/** The certificate an operator hands the customer; `sha256` is over `canonicalJson(certificate)`. */
export interface ErasureCertificate {
  readonly certificate: JsonObject;
  readonly sha256: string;
}

const DAY_MS = 86_400_000;

/**
 * Erases a deleted tenant after its grace period and returns (and stores) its certificate.
 * Refuses with ERASURE_NOT_DUE while the tenant is not deleted or the grace period runs; refuses
 * with the same code while live (unshredded) data keys remain.
 *
 * @example const { certificate, sha256 } = await eraseTenant({ operator, tenantId, backups: [store], actor: 'operator:ann' });
 */
export async function eraseTenant(options: EraseTenantOptions): Promise<ErasureCertificate> {
  const tenantId = parseTenantId(options.tenantId);
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const graceDays = options.graceDays ?? 30;
  const facts = await withAuditOperator(options.operator, tenantId, async (tx) => {
    const { rows: [tenant] } = await tx.query<{ slug: string; status: string; region: string; deletedAt: Date }>(
      'SELECT slug, status, region, status_changed_at AS "deletedAt" FROM tenantry.tenants WHERE id = $1', [tenantId]);
    const { rows: erased } = await tx.query('SELECT 1 FROM tenantry.erasure_certificates WHERE subject_tenant = $1', [tenantId]);
    if (erased.length > 0) throw mobilityErrors.create('TENANT_ALREADY_ERASED');
    if (tenant?.status !== 'deleted') throw mobilityErrors.create('ERASURE_NOT_DUE', { details: { reason: 'not deleted' } });
    const dueAt = new Date(tenant.deletedAt.getTime() + graceDays * DAY_MS);
    if (now < dueAt) throw mobilityErrors.create('ERASURE_NOT_DUE', { details: { dueAt: dueAt.toISOString() } });
    // Wrapped keys still present mean the tenant was deleted without its keys being shredded.
    const { rows: [keys] } = await tx.query<{ live: number }>('SELECT count(*) FILTER (WHERE wrapped_key IS NOT NULL)::int AS live FROM tenantry.tenant_keys');
    if ((keys?.live ?? 0) > 0) throw mobilityErrors.create('ERASURE_NOT_DUE', { details: { reason: 'live data keys remain' } });
    const lifecycle = await queryAuditEvents(tx, { action: 'tenant.delete', order: 'newest-first', limit: 1 });
    const shredded = await queryAuditEvents(tx, { action: 'tenant.keys.destroy', order: 'newest-first', limit: 1 });
    const verification = await verifyAuditChain(tx, { keys: options.auditKeys ?? [] });
    const { rows: [head] } = await tx.query<{ seq: string; hash: string }>('SELECT seq::text, hash FROM tenantry.audit_heads');
    return { tenant, deletion: lifecycle.events[0], shredded: shredded.events[0], verification, head };
  });

  const backupsDeleted: string[] = [];
  for (const store of options.backups ?? []) {
    for (const b of await store.list(tenantId)) {
      await store.delete(tenantId, b.id);
      backupsDeleted.push(`${store.residency}:${b.id}`);
    }
  }
  const audit = await eraseAuditLog({ operator: options.operator, tenantId });
  try {
    await options.operator.query('DELETE FROM tenantry.retention_policies WHERE subject_tenant = $1', [tenantId]);
    await options.operator.query('DELETE FROM tenantry.tenant_activity WHERE subject_tenant = $1', [tenantId]);
  } catch (err) {
    throw toTenantryError(err);
  }

  const certificate: JsonObject = {
    type: ERASURE_CERTIFICATE_TYPE,
    tenant: { id: tenantId, slug: facts.tenant.slug, region: facts.tenant.region },
    deletedAt: facts.tenant.deletedAt.toISOString(),
    erasedAt: now.toISOString(),
    erasedBy: options.actor,
    // The rows purged at deletion, per table, as the registry recorded them.
    purgedRows: (facts.deletion?.details['purged'] ?? null),
    // Shredded at deletion (the wrapped keys destroyed, then their rows purged); none is left.
    keys: { shreddedVersions: (facts.shredded?.details['versions'] ?? 0) as number, shreddedAt: facts.shredded?.time ?? null, liveRemaining: 0 },
    auditLog: {
      events: audit.events, checkpoints: audit.checkpoints,
      headSeq: Number(facts.head?.seq ?? 0), headHash: facts.head?.hash ?? null, verifiedBeforeErasure: facts.verification.ok,
    },
    backupsDeleted,
  };
  const sha256 = createHash('sha256').update(canonicalJson(certificate), 'utf8').digest('hex');
  try {
    await options.operator.query('INSERT INTO tenantry.erasure_certificates (subject_tenant, issued_at, certificate, sha256) VALUES ($1, $2, $3, $4)', [tenantId, now, JSON.stringify(certificate), sha256]);
  } catch (err) {
    throw toTenantryError(err);
  }
  return { certificate, sha256 };
}

/** The stored certificate of an erased tenant, or undefined. */
export async function tryGetErasureCertificate(operator: SqlPool, tenantId: TenantId | string): Promise<ErasureCertificate | undefined> {
  const { rows: [row] } = await operator.query<{ certificate: JsonObject; sha256: string }>('SELECT certificate, sha256 FROM tenantry.erasure_certificates WHERE subject_tenant = $1', [parseTenantId(tenantId)]);
  return row;
}
