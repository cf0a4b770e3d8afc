// verifyAuditExport: a tenant checks its exported chain and checkpoints on its own, with no
// database and nothing of ours but this pure function and the checkpoint verification key.
import { parseTenantId, type TenantId } from '../core/index.js';
import { checkVerificationKeys, type AuditCheckpoint, type AuditVerificationKey } from './audit-checkpoint.js';
import type { AuditEvent } from './audit-event.js';
import { ChainVerifier, type AuditVerification } from './chain-verifier.js';
import { parseAuditExportLine } from './export-format.js';

export interface VerifyAuditExportOptions {
  /** The tenant the export must belong to: a whole export of another tenant does not pass. */
  readonly tenantId: TenantId | string;
  /** Keys for every checkpoint's `keyId` (Ed25519 public keys, or the HMAC secret). */
  readonly keys: readonly AuditVerificationKey[];
}

/**
 * Verifies an NDJSON export (exportAuditLog's lines, as one string or as chunks) and reports
 * the first broken link. Lines are checked in the order given: events must come in seq order.
 * Checkpoint lines from the tenant's earlier exports may be added anywhere — they are what
 * reveals a deleted tail or a rewrite even if the operator's database lost its checkpoints.
 * Throws AUDIT_EXPORT_INVALID for a line that is not part of an export at all, and
 * AUDIT_CHECKPOINT_KEY_UNKNOWN for a checkpoint whose key was not given.
 *
 * @example
 * const result = verifyAuditExport(await readFile('audit.ndjson', 'utf8'), {
 *   tenantId, keys: [{ keyId: 'audit-2025', algorithm: 'ed25519', publicKey: createPublicKey(pem) }],
 * });
 * if (!result.ok) console.error(result.break.kind, result.break.seq, result.break.description);
 */
export function verifyAuditExport(ndjson: string | Iterable<string>, options: VerifyAuditExportOptions): AuditVerification {
  const tenantId = parseTenantId(options.tenantId);
  const keys = checkVerificationKeys(options.keys);
  const text = typeof ndjson === 'string' ? ndjson : [...ndjson].join('');
  const events: AuditEvent[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = parseAuditExportLine(line, index + 1);
    if (parsed.record === 'event') events.push(parsed.event);
    else checkpoints.push(parsed.checkpoint);
  });
  const verifier = new ChainVerifier({ tenantId, checkpoints, keys });
  for (const event of events) {
    verifier.push(event);
    if (verifier.done) break;
  }
  return verifier.finish();
}
