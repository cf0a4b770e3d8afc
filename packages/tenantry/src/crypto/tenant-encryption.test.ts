// createTenantEncryption's options: a misspelt or out-of-range option is refused with the path
// that names it, instead of silently falling back to a default.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTenantryError, newTenantId } from '../core/index.js';
import { createTenantEncryption, localKeyProvider, type EncryptionScope, type TenantEncryptionOptions } from './index.js';

const keyProvider = localKeyProvider({ keys: { primary: randomBytes(32) } });
const pathOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return isTenantryError(err, 'CONFIG_INVALID') ? (err.details as { path: string }).path : err;
  }
  return undefined;
};

describe('createTenantEncryption', () => {
  it('accepts a key provider alone, and the documented options', () => {
    expect(pathOf(() => createTenantEncryption({ keyProvider }))).toBeUndefined();
    expect(pathOf(() => createTenantEncryption({ keyProvider, cache: { maxEntries: 0, ttlMs: 1000 }, onKeyEvent: () => {} }))).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['an unknown option', { keyProvider, cacheTtlMs: 5 }, 'cacheTtlMs'],
    ['no key provider', {}, 'keyProvider'],
    ['a master key where the provider goes', { keyProvider: randomBytes(32) }, 'keyProvider'],
    ['an unknown cache option', { keyProvider, cache: { ttlMS: 5 } }, 'cache.ttlMS'],
    ['a negative cache size', { keyProvider, cache: { maxEntries: -1 } }, 'cache.maxEntries'],
    ['a fractional time to live', { keyProvider, cache: { ttlMs: 1.5 } }, 'cache.ttlMs'],
    ['a time to live over a day', { keyProvider, cache: { ttlMs: 86_400_001 } }, 'cache.ttlMs'],
  ])('refuses %s with CONFIG_INVALID naming its path', (_, options, path) => {
    expect(pathOf(() => createTenantEncryption(options as TenantEncryptionOptions))).toBe(path);
  });

  it('refuses an unknown encoding before anything is encrypted', async () => {
    const encryption = createTenantEncryption({ keyProvider });
    const scope = { tenantId: newTenantId(), query: () => Promise.reject(new Error('never called')) } as unknown as EncryptionScope;
    const err = await encryption.encrypt(scope, 'x', { purpose: 'p', recordId: 'r' }, { encoding: 'hex' } as never).then(() => undefined, (e: unknown) => e);
    expect(isTenantryError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as { details: { path: string } }).details.path).toBe('options.encoding');
  });
});
