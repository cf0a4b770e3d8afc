// What settings, feature flags and branding share: a per-tenant document read through the
// instance's cache, handed out frozen (one cached object serves every caller).
import { parseTenantId, type TenantId } from '../core/index.js';
import { controlErrors } from './errors.js';

/** Tuning of an instance's cache of one document (see createTenantCache). */
export interface CacheOptions {
  readonly maxEntries?: number;
  readonly maxAgeMs?: number;
  readonly onError?: (err: unknown) => void;
  /** How long a write waits for its change-feed publish before retrying it in the background (TenantCacheOptions). */
  readonly publishTimeoutMs?: number;
}

/** A tenant id from a caller (TENANT_ID_INVALID otherwise). */
export const tenantOf = (value: TenantId | string): TenantId => parseTenantId(value);

/** Freezes `value` and everything inside it: a cached document is shared, so nobody may change it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** `value` when it is a plain object (what a patch must be), else the given invalid-field error. */
export function plainObject(value: unknown, code: 'SETTINGS_INVALID' | 'BRANDING_INVALID'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw controlErrors.create(code, { details: { field: '', reason: 'must be an object' } });
  }
  return value as Record<string, unknown>;
}
