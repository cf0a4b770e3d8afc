// verifyAuditChain: checks a tenant's stored chain against its hashes and signed checkpoints,
// streaming it from the database, and reports the first broken link.
import { checkVerificationKeys, type AuditCheckpoint, type AuditVerificationKey } from './audit-checkpoint.js';
import { ChainVerifier, type AuditVerification } from './chain-verifier.js';
import { readBounds, readCheckpoints, readEvents, type AuditReader } from './audit-reader.js';

export interface VerifyAuditChainOptions {
  /** Keys for every checkpoint's `keyId` (retired ones too). */
  readonly keys: readonly AuditVerificationKey[];
  /**
   * Checkpoints kept outside this database (a tenant's earlier export, a copy in object
   * storage): someone who can delete rows can delete the stored checkpoints with the tail.
   */
  readonly checkpoints?: readonly AuditCheckpoint[];
}

/**
 * Verifies the whole chain of the reader's tenant: every hash, every link, every checkpoint
 * signature, and that no signed head is missing. The first broken link is named with its kind
 * (edited, deleted, reordered, inserted, truncated, rewritten, checkpoint-invalid) and seq.
 * Memory stays one page of events; events appended while it runs are left for the next run.
 *
 * @example
 * // `tenantry audit verify`: the operator, across tenants
 * const result = await withAuditOperator(operatorPool, tenantId, (tx) => verifyAuditChain(tx, { keys }));
 * if (!result.ok) console.error(`${result.break.kind} at seq ${result.break.seq}: ${result.break.description}`);
 */
export async function verifyAuditChain(reader: AuditReader, options: VerifyAuditChainOptions): Promise<AuditVerification> {
  const keys = checkVerificationKeys(options.keys);
  const stored = await readCheckpoints(reader);
  const { headSeq, upTo } = await readBounds(reader);
  const verifier = new ChainVerifier({ tenantId: reader.tenantId, checkpoints: [...stored, ...(options.checkpoints ?? [])], keys, headSeq });
  if (!verifier.done) {
    for await (const event of readEvents(reader, 0, upTo, 1000)) {
      verifier.push(event);
      if (verifier.done) break;
    }
  }
  return verifier.finish();
}
