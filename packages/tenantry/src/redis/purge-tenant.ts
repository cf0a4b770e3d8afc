// Offboarding: delete every key of one tenant (cache, rate-limit state, the application's own
// keys built with keysFor) with SCAN + UNLINK in batches. Never KEYS: it blocks Redis for the
// whole key space. The pattern is the tenant's escaped, hash-tagged prefix, which matches no
// other tenant's key (see key-scope.ts and its property tests).
import { redisErrors } from './errors.js';
import { keysFor } from './key-scope.js';
import type { KeyValueStore } from './key-value-store.js';

export interface PurgeTenantOptions {
  /** Key space (see keysFor). Default 'tenantry'. */
  readonly prefix?: string;
  /** SCAN COUNT and the most keys per UNLINK. Default 500. */
  readonly batchSize?: number;
}

/**
 * Deletes all keys of `tenantId` in the key space; returns how many were deleted. Idempotent:
 * run it again after a failure (REDIS_UNAVAILABLE). Keys written while it runs may survive.
 *
 * @example const { deleted } = await purgeTenantKeys(store, tenantId, { prefix: 'myapp' });
 */
export async function purgeTenantKeys(store: KeyValueStore, tenantId: string, options: PurgeTenantOptions = {}): Promise<{ deleted: number }> {
  const batchSize = options.batchSize ?? 500;
  const keys = keysFor(tenantId, options.prefix === undefined ? {} : { prefix: options.prefix });
  const pattern = keys.pattern();
  let deleted = 0;
  try {
    for await (const batch of store.scan(pattern, batchSize)) {
      for (let i = 0; i < batch.length; i += batchSize) {
        const chunk = batch.slice(i, i + batchSize);
        // Defence in depth: the pattern is exact, but a key that does not carry the tenant's
        // prefix is never deleted whatever SCAN returned.
        deleted += await store.unlink(chunk.filter((key) => key.startsWith(keys.prefix)));
      }
    }
  } catch (cause) {
    throw redisErrors.create('REDIS_UNAVAILABLE', { cause });
  }
  return { deleted };
}
