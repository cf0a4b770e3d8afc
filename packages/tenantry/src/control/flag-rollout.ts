// The bucket of a tenant in a flag's percentage rollout: stable (the same tenant always lands in
// the same bucket for a flag) and independent across flags (a tenant early in one rollout is not
// early in all of them), because the flag's key is hashed with the tenant id.
import { createHash } from 'node:crypto';

/** Buckets per rollout: a percentage is honoured to a hundredth of a percent. */
export const ROLLOUT_BUCKETS = 10_000;

/**
 * A number in [0, 10 000): the tenant is in a rollout of p percent when it is below p × 100.
 * SHA-256, not a fast non-cryptographic hash: it is computed once per load of a tenant's flags,
 * and its output is uniform whatever the ids look like (UUID v7 ids share long prefixes).
 *
 * @example rolloutBucket('new-editor', tenantId) < 25 * 100 // in a 25 % rollout
 */
export function rolloutBucket(key: string, tenantId: string): number {
  const digest = createHash('sha256').update(key).update('\u0000').update(tenantId).digest();
  // 2^32 mod 10 000 is tiny next to 2^32: the modulo bias is below 3 in a million.
  return digest.readUInt32BE(0) % ROLLOUT_BUCKETS;
}
