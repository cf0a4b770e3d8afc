// Signed checkpoints of a chain's head, and the keys that sign and verify them. The key is the
// caller's and never reaches the database: a chain alone cannot show a deleted tail or a full
// rewrite, a head signed with a key the database does not hold can (docs/isolation-rules.md rule 19).
import { createHmac, createPublicKey, KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import type { TenantId } from '../core/index.js';
import { canonicalJson } from './canonical-json.js';
import { auditErrors } from './errors.js';

/** Names (and versions) the signed encoding, so a checkpoint signature can never sign an event. */
export const AUDIT_CHECKPOINT_TYPE = 'tenantry.audit.checkpoint/v1';
export const AUDIT_CHECKPOINT_ALGORITHMS = ['ed25519', 'hmac-sha256'] as const;
export type AuditCheckpointAlgorithm = (typeof AUDIT_CHECKPOINT_ALGORITHMS)[number];

/**
 * The key checkpoints are signed with. Prefer Ed25519: tenants can then verify their export
 * with the public key and cannot forge a checkpoint; an HMAC secret must be shared to verify.
 */
export type AuditSigningKey =
  | { readonly keyId: string; readonly algorithm: 'ed25519'; readonly privateKey: KeyObject }
  | { readonly keyId: string; readonly algorithm: 'hmac-sha256'; readonly secret: Uint8Array };

/** A key checkpoints are verified with (keep retired ones: old checkpoints name them by `keyId`). */
export type AuditVerificationKey =
  | { readonly keyId: string; readonly algorithm: 'ed25519'; readonly publicKey: KeyObject }
  | { readonly keyId: string; readonly algorithm: 'hmac-sha256'; readonly secret: Uint8Array };

/** A signed statement "the chain of `tenantId` had `hash` at `seq`, at `time`". */
export interface AuditCheckpoint {
  readonly tenantId: TenantId;
  /** The head's sequence number (0 for an empty chain). */
  readonly seq: number;
  /** The head's hash ({@link GENESIS_HASH} for an empty chain). */
  readonly hash: string;
  /** When it was signed, in the events' time format. */
  readonly time: string;
  readonly keyId: string;
  readonly algorithm: AuditCheckpointAlgorithm;
  /** base64url, over {@link canonicalAuditCheckpoint}. */
  readonly signature: string;
}

export type AuditCheckpointContent = Omit<AuditCheckpoint, 'signature'>;

/**
 * What is signed: the RFC 8785 (JCS) text of `{ type: 'tenantry.audit.checkpoint/v1',
 * tenantId, seq, hash, time, keyId, algorithm }`, as UTF-8.
 *
 * @example crypto.verify(null, Buffer.from(canonicalAuditCheckpoint(cp)), publicKey, Buffer.from(cp.signature, 'base64url'))
 */
export function canonicalAuditCheckpoint(content: AuditCheckpointContent): string {
  return canonicalJson({
    type: AUDIT_CHECKPOINT_TYPE,
    tenantId: content.tenantId,
    seq: content.seq,
    hash: content.hash,
    time: content.time,
    keyId: content.keyId,
    algorithm: content.algorithm,
  });
}

const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MIN_HMAC_BYTES = 32;

function keyInvalid(reason: string): never {
  throw auditErrors.create('AUDIT_KEY_INVALID', { details: { reason } });
}

function checkKey(key: unknown, role: 'signing' | 'verification'): AuditSigningKey | AuditVerificationKey {
  if (key === null || typeof key !== 'object') keyInvalid(`the ${role} key must be an object`);
  const k = key as Record<string, unknown>;
  if (typeof k.keyId !== 'string' || !KEY_ID.test(k.keyId)) keyInvalid('keyId must be 1–64 characters A–Z, a–z, 0–9, ".", "_", ":" or "-"');
  if (k.algorithm === 'hmac-sha256') {
    if (!(k.secret instanceof Uint8Array) || k.secret.length < MIN_HMAC_BYTES) keyInvalid(`an HMAC secret must be a Uint8Array of at least ${MIN_HMAC_BYTES} bytes`);
    return key as AuditSigningKey;
  }
  if (k.algorithm === 'ed25519') {
    const field = role === 'signing' ? 'privateKey' : 'publicKey';
    const object = k[field];
    const type = role === 'signing' ? 'private' : 'public';
    if (!(object instanceof KeyObject) || object.type !== type || object.asymmetricKeyType !== 'ed25519') {
      keyInvalid(`${field} must be an Ed25519 ${type} KeyObject (crypto.create${role === 'signing' ? 'Private' : 'Public'}Key)`);
    }
    return key as AuditSigningKey;
  }
  return keyInvalid(`algorithm must be one of ${AUDIT_CHECKPOINT_ALGORITHMS.join(', ')}`);
}

/** Checks a signing key's shape (AUDIT_KEY_INVALID otherwise). */
export function checkSigningKey(key: unknown): AuditSigningKey {
  return checkKey(key, 'signing') as AuditSigningKey;
}

/** Checks verification keys' shapes (AUDIT_KEY_INVALID otherwise). */
export function checkVerificationKeys(keys: unknown): readonly AuditVerificationKey[] {
  if (!Array.isArray(keys)) keyInvalid('keys must be an array of verification keys');
  return keys.map((key) => checkKey(key, 'verification') as AuditVerificationKey);
}

/**
 * The verification key that matches a signing key (the public half of an Ed25519 key).
 *
 * @example const publicKey = auditVerificationKey(signingKey); // hand it to tenants
 */
export function auditVerificationKey(key: AuditSigningKey): AuditVerificationKey {
  const checked = checkSigningKey(key);
  return checked.algorithm === 'ed25519'
    ? { keyId: checked.keyId, algorithm: 'ed25519', publicKey: createPublicKey(checked.privateKey) }
    : { keyId: checked.keyId, algorithm: 'hmac-sha256', secret: checked.secret };
}

/** Signs the head `content` describes (its keyId and algorithm must be `key`'s). */
export function signAuditCheckpoint(content: Omit<AuditCheckpointContent, 'keyId' | 'algorithm'>, key: AuditSigningKey): AuditCheckpoint {
  const full: AuditCheckpointContent = { ...content, keyId: key.keyId, algorithm: key.algorithm };
  const data = Buffer.from(canonicalAuditCheckpoint(full), 'utf8');
  const signature = key.algorithm === 'ed25519' ? sign(null, data, key.privateKey) : createHmac('sha256', key.secret).update(data).digest();
  return { ...full, signature: signature.toString('base64url') };
}

/** Whether `checkpoint` carries a valid signature by `key` (the caller matched keyId and algorithm). */
export function auditCheckpointSignatureOk(checkpoint: AuditCheckpoint, key: AuditVerificationKey): boolean {
  if (key.keyId !== checkpoint.keyId || key.algorithm !== checkpoint.algorithm) return false;
  const signature = Buffer.from(checkpoint.signature, 'base64url');
  // base64url decoding skips characters it does not know: insist on the one canonical spelling.
  if (signature.toString('base64url') !== checkpoint.signature) return false;
  let data: Buffer;
  try {
    data = Buffer.from(canonicalAuditCheckpoint(checkpoint), 'utf8');
  } catch {
    return false;
  }
  if (key.algorithm === 'ed25519') return verify(null, data, key.publicKey, signature);
  const expected = createHmac('sha256', key.secret).update(data).digest();
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}
