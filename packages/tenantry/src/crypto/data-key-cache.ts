// A bounded, expiring in-process cache of unwrapped data keys, so a busy tenant does not cost
// a key-provider call (a KMS round trip) per message.
import type { KeyObject } from 'node:crypto';
import type { Clock, TenantId } from '../core/index.js';

export interface DataKeyCacheConfig {
  /** At most this many keys are held; the least recently used goes first. 0 turns the cache off. */
  readonly maxEntries: number;
  /** A key is dropped this long after it was unwrapped, used or not: it bounds how long key material lives in memory. */
  readonly ttlMs: number;
}

interface Entry {
  readonly key: KeyObject;
  readonly masterKeyId: string;
  readonly wrappedKey: Buffer;
  readonly expiresAtMs: number;
}

/**
 * Keys are cached by tenant id and version, together with the wrapped form they came from. A
 * lookup names the wrapped form it just read from the database and misses when that differs:
 * a version created in a transaction that rolled back and then created again is a different
 * key, and the cache must never answer with the first one.
 */
export class DataKeyCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly config: DataKeyCacheConfig,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(tenantId: TenantId, version: number, masterKeyId: string, wrappedKey: Uint8Array): KeyObject | undefined {
    const id = `${tenantId}/${version}`;
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    if (entry.expiresAtMs <= this.clock.now().getTime() || entry.masterKeyId !== masterKeyId || !entry.wrappedKey.equals(wrappedKey)) {
      return undefined;
    }
    this.#entries.set(id, entry); // most recently used goes to the end
    return entry.key;
  }

  set(tenantId: TenantId, version: number, masterKeyId: string, wrappedKey: Uint8Array, key: KeyObject): void {
    if (this.config.maxEntries === 0) return;
    const id = `${tenantId}/${version}`;
    this.#entries.delete(id);
    this.#entries.set(id, { key, masterKeyId, wrappedKey: Buffer.from(wrappedKey), expiresAtMs: this.clock.now().getTime() + this.config.ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.config.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets every key of a tenant (its keys were destroyed). */
  evictTenant(tenantId: TenantId): void {
    const prefix = `${tenantId}/`;
    for (const id of [...this.#entries.keys()]) if (id.startsWith(prefix)) this.#entries.delete(id);
  }
}
