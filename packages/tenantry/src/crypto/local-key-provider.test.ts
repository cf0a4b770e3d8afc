// localKeyProvider: data keys wrapped under in-process master keys, several by id for
// rotation; a wrapped key opens only under its own master key, tenant and version, and no
// error ever shows key material.
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTenantryError, newTenantId } from '../core/index.js';
import { open } from './aes-gcm.js';
import { dataKeyAssociatedData } from './associated-data.js';
import { localKeyProvider } from './local-key-provider.js';
import { codeOf, errorOf } from '../testing/index.js';

const tenant = newTenantId();
const ctx = { tenantId: tenant, keyVersion: 1 };
const k2024 = randomBytes(32);
const k2025 = randomBytes(32);

describe('localKeyProvider', () => {
  it('wraps a data key with the current master key and unwraps it again', async () => {
    const provider = localKeyProvider({ keys: { primary: k2025 } });
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrap(dataKey, ctx);
    expect(provider.currentKeyId).toBe('primary');
    expect(wrapped.masterKeyId).toBe('primary');
    expect(Buffer.from(wrapped.wrappedKey).includes(dataKey)).toBe(false);
    expect(Buffer.from(await provider.unwrap(wrapped, ctx))).toEqual(dataKey);
  });

  it('wraps randomly: the same data key wraps differently each time', async () => {
    const provider = localKeyProvider({ keys: { primary: k2025 } });
    const dataKey = randomBytes(32);
    const [one, two] = await Promise.all([provider.wrap(dataKey, ctx), provider.wrap(dataKey, ctx)]);
    expect(Buffer.from(one.wrappedKey).equals(Buffer.from(two.wrappedKey))).toBe(false);
  });

  it('wraps with the current key of several and still unwraps keys wrapped by the older one', async () => {
    const old = localKeyProvider({ keys: { '2024': k2024 } });
    const both = localKeyProvider({ keys: { '2024': k2024, '2025': k2025 }, current: '2025' });
    const dataKey = randomBytes(32);
    const wrappedOld = await old.wrap(dataKey, ctx);
    expect(Buffer.from(await both.unwrap(wrappedOld, ctx))).toEqual(dataKey);
    expect((await both.wrap(dataKey, ctx)).masterKeyId).toBe('2025');
  });

  it('answers MASTER_KEY_UNKNOWN for a key wrapped by a master key it does not have', async () => {
    const wrapped = await localKeyProvider({ keys: { '2024': k2024 } }).wrap(randomBytes(32), ctx);
    const err = await errorOf(localKeyProvider({ keys: { '2025': k2025 } }).unwrap(wrapped, ctx));
    expect(isTenantryError(err, 'MASTER_KEY_UNKNOWN')).toBe(true);
    expect((err as { details: object }).details).toEqual({ masterKeyId: '2024' });
  });

  it('refuses a wrapped key moved to another tenant, version or master key id, or altered', async () => {
    const provider = localKeyProvider({ keys: { a: k2024, b: k2024 }, current: 'a' });
    const wrapped = await provider.wrap(randomBytes(32), ctx);
    const altered = Buffer.from(wrapped.wrappedKey);
    altered[40] = (altered[40] as number) ^ 1;
    expect(await codeOf(provider.unwrap(wrapped, { tenantId: newTenantId(), keyVersion: 1 }))).toBe('DATA_KEY_UNWRAP_FAILED');
    expect(await codeOf(provider.unwrap(wrapped, { tenantId: tenant, keyVersion: 2 }))).toBe('DATA_KEY_UNWRAP_FAILED');
    // Same key material under another id: the id is bound too.
    expect(await codeOf(provider.unwrap({ ...wrapped, masterKeyId: 'b' }, ctx))).toBe('DATA_KEY_UNWRAP_FAILED');
    expect(await codeOf(provider.unwrap({ ...wrapped, wrappedKey: altered }, ctx))).toBe('DATA_KEY_UNWRAP_FAILED');
    expect(await codeOf(provider.unwrap({ ...wrapped, wrappedKey: Buffer.from(wrapped.wrappedKey).subarray(0, 50) }, ctx))).toBe('DATA_KEY_UNWRAP_FAILED');
  });

  it('wraps under a key derived from the master key, never the master key itself', async () => {
    const wrapped = Buffer.from((await localKeyProvider({ keys: { primary: k2025 } }).wrap(randomBytes(32), ctx)).wrappedKey);
    const sealed = { nonce: wrapped.subarray(1, 13), tag: wrapped.subarray(13, 29), ciphertext: wrapped.subarray(29) };
    expect(open(createSecretKey(k2025), sealed, dataKeyAssociatedData('primary', ctx))).toBeUndefined();
  });

  it("copies the master keys, so changing the caller's buffers later changes nothing", async () => {
    const mine = Buffer.from(k2025);
    const provider = localKeyProvider({ keys: { primary: mine } });
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrap(dataKey, ctx);
    mine.fill(7);
    expect(Buffer.from(await provider.unwrap(wrapped, ctx))).toEqual(dataKey);
  });

  it.each<[string, Parameters<typeof localKeyProvider>[0], string]>([
    ['no key', { keys: {} }, 'ENCRYPTION_KEY_INVALID'],
    ['a key of 31 bytes', { keys: { k: randomBytes(31) } }, 'ENCRYPTION_KEY_INVALID'],
    ['a key of 33 bytes', { keys: { k: randomBytes(33) } }, 'ENCRYPTION_KEY_INVALID'],
    ['a key of zeros', { keys: { k: Buffer.alloc(32) } }, 'ENCRYPTION_KEY_INVALID'],
    ['a key of one repeated character', { keys: { k: Buffer.alloc(32, 'a') } }, 'ENCRYPTION_KEY_INVALID'],
    ['a base64 string instead of bytes', { keys: { k: k2025.toString('base64') as unknown as Uint8Array } }, 'ENCRYPTION_KEY_INVALID'],
    ['a key id with a space', { keys: { 'my key': k2025 } }, 'ENCRYPTION_KEY_INVALID'],
    ['a key id of 65 characters', { keys: { ['k'.repeat(65)]: k2025 } }, 'ENCRYPTION_KEY_INVALID'],
    ['several keys and no current one', { keys: { a: k2024, b: k2025 } }, 'ENCRYPTION_KEY_INVALID'],
    ['a current id that is not a key', { keys: { a: k2024 }, current: 'b' }, 'ENCRYPTION_KEY_INVALID'],
    ['an unknown option', { keys: { a: k2024 }, currentKey: 'a' } as never, 'CONFIG_INVALID'],
  ])('refuses %s', async (_, options, code) => {
    expect(codeOf(() => localKeyProvider(options))).toBe(code);
  });

  it('never puts key material into an error', async () => {
    const errors = await Promise.all([
      errorOf(() => localKeyProvider({ keys: { k: k2025.subarray(0, 31) } })),
      errorOf(() => localKeyProvider({ keys: { a: k2024, b: k2025 } })),
      errorOf(localKeyProvider({ keys: { k: k2025 } }).unwrap({ masterKeyId: 'k', wrappedKey: randomBytes(61) }, ctx)),
    ]);
    for (const err of errors) {
      const shown = JSON.stringify({ message: (err as Error).message, details: (err as { details: unknown }).details });
      for (const key of [k2024, k2025]) {
        for (const form of [key.toString('hex'), key.toString('base64'), key.subarray(0, 31).toString('base64'), key.toString('base64url')]) expect(shown).not.toContain(form);
      }
    }
  });
});
