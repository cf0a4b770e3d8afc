// The crypto capability: per-tenant envelope encryption (AES-256-GCM under random per-tenant
// data keys, wrapped by a master key behind a KeyProvider), rotation, re-encryption and
// crypto-shredding. The only way in.
export { cryptoErrors } from './errors.js';
export { createTenantEncryption } from './tenant-encryption.js';
export type { DataKeyInfo, TenantEncryption, TenantEncryptionOptions } from './tenant-encryption.js';
export type { EncryptionScope } from './data-key-store.js';
export type { DataKeyContext, EncryptionContext } from './associated-data.js';
export type { KeyProvider, WrappedDataKey } from './key-provider.js';
export { localKeyProvider } from './local-key-provider.js';
export type { LocalKeyProviderOptions } from './local-key-provider.js';
export { parseMasterKey } from './master-key.js';
export { ENVELOPE_FORMAT_VERSION, inspectEnvelope } from './envelope.js';
export type { EnvelopeEncoding } from './envelope.js';
export type { KeyEvent } from './key-event.js';
export type { DestroyedKeys, KeyEventHook } from './tenant-keyring.js';
export type { Reencrypted, ReencryptColumnOptions, ReencryptColumnResult, ReencryptItem } from './reencrypt.js';
export { rewrapDataKeys } from './rewrap-data-keys.js';
export type { RewrapDataKeysOptions, RewrapResult } from './rewrap-data-keys.js';
export { payloadMac } from './payload-mac.js';
