// createAuditCheckpoint: signs the head of one tenant's chain, after checking the events
// appended since the last checkpoint, and stores the signature apart from the events.
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import {
  auditCheckpointSignatureOk, auditVerificationKey, checkSigningKey, checkVerificationKeys, signAuditCheckpoint,
  type AuditCheckpoint, type AuditSigningKey, type AuditVerificationKey,
} from './audit-checkpoint.js';
import { auditTime, GENESIS_HASH } from './audit-event.js';
import { withAuditOperator, type AuditOperatorTransaction } from './audit-operator.js';
import { CHECKPOINT_SELECT, readBounds, readCheckpoints, readEvents, toAuditCheckpoint } from './audit-reader.js';
import { ChainVerifier, type AuditChainBreak } from './chain-verifier.js';
import { auditErrors } from './errors.js';

export interface CreateAuditCheckpointOptions {
  /**
   * An operator-role pool. Checkpoints are written by the operator, never by the app role: the
   * signing key then lives only in the process that runs checkpoints, not in every process that
   * serves requests, and a compromised request path cannot plant or remove checkpoints.
   */
  readonly operator: SqlPool;
  readonly tenantId: TenantId | string;
  /** Signs the new checkpoint. Never stored: pass it in from your secret store each time. */
  readonly key: AuditSigningKey;
  /** Retired keys that signed earlier checkpoints (the latest one is verified before it is built upon). */
  readonly verificationKeys?: readonly AuditVerificationKey[];
  readonly clock?: Clock;
}

function chainBroken(found: Pick<AuditChainBreak, 'kind' | 'seq' | 'toSeq'>): never {
  throw auditErrors.create('AUDIT_CHAIN_BROKEN', { details: { kind: found.kind, seq: found.seq, toSeq: found.toSeq } });
}

/** The latest checkpoint, its signature checked: it is the anchor the new one builds on. */
function trustedAnchor(tx: AuditOperatorTransaction, checkpoints: readonly AuditCheckpoint[], keys: readonly AuditVerificationKey[]): AuditCheckpoint | undefined {
  const latest = checkpoints.at(-1);
  if (!latest) return undefined;
  const key = keys.find((k) => k.keyId === latest.keyId && k.algorithm === latest.algorithm);
  if (!key) throw auditErrors.create('AUDIT_CHECKPOINT_KEY_UNKNOWN', { details: { keyId: latest.keyId, algorithm: latest.algorithm } });
  if (latest.tenantId !== tx.tenantId || !auditCheckpointSignatureOk(latest, key)) {
    throw auditErrors.create('AUDIT_CHECKPOINT_INVALID', { details: { seq: latest.seq, keyId: latest.keyId } });
  }
  return latest;
}

/**
 * Signs the current head of `tenantId`'s chain and stores the checkpoint. Only the events since
 * the latest checkpoint are verified (that checkpoint's signature first), so running it often
 * stays cheap; a broken chain is never signed (AUDIT_CHAIN_BROKEN, with `details.kind` and
 * `details.seq`). When nothing was appended since the latest checkpoint by the same key, that
 * checkpoint is returned and nothing is written. Run it periodically for every tenant, and at
 * offboarding before the export.
 *
 * @example
 * const key = { keyId: 'audit-2025', algorithm: 'ed25519', privateKey: createPrivateKey(pemFromVault) } as const;
 * for (const tenant of tenants) await createAuditCheckpoint({ operator, tenantId: tenant.id, key });
 */
export async function createAuditCheckpoint(options: CreateAuditCheckpointOptions): Promise<AuditCheckpoint> {
  const key = checkSigningKey(options.key);
  const keys = [auditVerificationKey(key), ...checkVerificationKeys(options.verificationKeys ?? [])];
  const clock = options.clock ?? systemClock;
  return withAuditOperator(options.operator, options.tenantId, async (tx) => {
    const latest = trustedAnchor(tx, await readCheckpoints(tx), keys);
    const { headSeq, lastSeq, upTo } = await readBounds(tx);
    const anchor = latest ? { seq: latest.seq, hash: latest.hash } : { seq: 0, hash: GENESIS_HASH };
    if (anchor.seq > 0) {
      // The signed head itself must still be there, unchanged.
      const { rows } = await tx.query<{ hash: string }>('SELECT hash FROM tenantry.audit_events WHERE tenant_id = $1 AND seq = $2', [tx.tenantId, anchor.seq]);
      const stored = rows[0];
      if (!stored && lastSeq < anchor.seq) chainBroken({ kind: 'truncated', seq: lastSeq + 1, toSeq: anchor.seq });
      if (!stored) chainBroken({ kind: 'deleted', seq: anchor.seq, toSeq: anchor.seq });
      if (stored.hash !== anchor.hash) chainBroken({ kind: 'rewritten', seq: 1, toSeq: anchor.seq });
    }
    const verifier = new ChainVerifier({ tenantId: tx.tenantId, checkpoints: [], keys: [], anchor, headSeq });
    for await (const event of readEvents(tx, anchor.seq, upTo, 1000)) {
      verifier.push(event);
      if (verifier.done) break;
    }
    const result = verifier.finish();
    if (!result.ok) chainBroken(result.break);
    if (latest && result.head.seq === latest.seq && latest.keyId === key.keyId) return latest;

    const checkpoint = signAuditCheckpoint({ tenantId: tx.tenantId, seq: result.head.seq, hash: result.head.hash, time: auditTime(clock.now()) }, key);
    const { rows: inserted } = await tx.query(
      `INSERT INTO tenantry.audit_checkpoints (tenant_id, seq, hash, created_at, key_id, algorithm, signature)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1`,
      [checkpoint.tenantId, checkpoint.seq, checkpoint.hash, checkpoint.time, checkpoint.keyId, checkpoint.algorithm, checkpoint.signature],
    );
    if (inserted.length > 0) return checkpoint;
    // A concurrent run signed the same head with the same key first: return its checkpoint.
    const { rows: existing } = await tx.query<Parameters<typeof toAuditCheckpoint>[0]>(
      `${CHECKPOINT_SELECT} WHERE tenant_id = $1 AND seq = $2 AND key_id = $3`,
      [tx.tenantId, checkpoint.seq, checkpoint.keyId],
    );
    return toAuditCheckpoint(existing[0] as Parameters<typeof toAuditCheckpoint>[0]);
  });
}
