// Checkpoint signatures: Ed25519 and HMAC-SHA256 over the checkpoint's canonical encoding; any
// change to a signed field, another key, or a respelled signature fails; keys are checked.
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import {
  auditCheckpointSignatureOk, auditVerificationKey, canonicalAuditCheckpoint, checkSigningKey, checkVerificationKeys, signAuditCheckpoint,
  type AuditCheckpoint, type AuditSigningKey,
} from './audit-checkpoint.js';
import { errorOf } from '../testing/index.js';

const tenantId = '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f' as TenantId;
const head = { tenantId, seq: 42, hash: 'ab'.repeat(32), time: '2025-03-01T10:00:00.000000Z' };
const ed25519 = (keyId = 'audit-1'): AuditSigningKey => ({ keyId, algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey });
const hmac = (keyId = 'audit-h'): AuditSigningKey => ({ keyId, algorithm: 'hmac-sha256', secret: randomBytes(32) });

describe('the signed encoding of a checkpoint', () => {
  it('is the JCS text of tenant, seq, hash, time, key id and algorithm, with its type', () => {
    expect(canonicalAuditCheckpoint({ ...head, keyId: 'k1', algorithm: 'ed25519' })).toBe(
      `{"algorithm":"ed25519","hash":"${'ab'.repeat(32)}","keyId":"k1","seq":42,` +
        '"tenantId":"0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f","time":"2025-03-01T10:00:00.000000Z","type":"tenantry.audit.checkpoint/v1"}',
    );
  });
});

describe.each([
  ['Ed25519', ed25519],
  ['HMAC-SHA256', hmac],
])('a checkpoint signed with %s', (_, makeKey) => {
  const key = makeKey();
  const signed = signAuditCheckpoint(head, key);
  const verification = auditVerificationKey(key);

  it('verifies with the matching verification key and carries the key id and algorithm', () => {
    expect(signed).toMatchObject({ ...head, keyId: key.keyId, algorithm: key.algorithm });
    expect(signed.signature).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(auditCheckpointSignatureOk(signed, verification)).toBe(true);
  });

  it('fails when any signed field changes', () => {
    const fields = fc.constantFrom<keyof AuditCheckpoint>('tenantId', 'seq', 'hash', 'time');
    fc.assert(
      fc.property(fields, fc.oneof(fc.string(), fc.nat()), (field, value) => {
        fc.pre(value !== signed[field]);
        expect(auditCheckpointSignatureOk({ ...signed, [field]: value }, verification)).toBe(false);
      }),
    );
  });

  it('fails with another key of the same id', () => {
    expect(auditCheckpointSignatureOk(signed, auditVerificationKey(makeKey(key.keyId)))).toBe(false);
  });

  it('fails when the signature is altered or respelled (a base64url character too many)', () => {
    const flipped = (signed.signature[0] === 'A' ? 'B' : 'A') + signed.signature.slice(1);
    expect(auditCheckpointSignatureOk({ ...signed, signature: flipped }, verification)).toBe(false);
    expect(auditCheckpointSignatureOk({ ...signed, signature: `${signed.signature}=` }, verification)).toBe(false);
    expect(auditCheckpointSignatureOk({ ...signed, signature: '' }, verification)).toBe(false);
  });
});

describe('keys', () => {
  it('derives the Ed25519 public key for verification, which cannot sign', () => {
    const verification = auditVerificationKey(ed25519());
    expect(verification.algorithm === 'ed25519' && verification.publicKey.type).toBe('public');
  });

  it.each<[string, unknown]>([
    ['an HMAC secret of 31 bytes', { keyId: 'k', algorithm: 'hmac-sha256', secret: randomBytes(31) }],
    ['an HMAC secret given as a string', { keyId: 'k', algorithm: 'hmac-sha256', secret: 'x'.repeat(40) }],
    ['an Ed25519 public key to sign with', { keyId: 'k', algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').publicKey }],
    ['an RSA key', { keyId: 'k', algorithm: 'ed25519', privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }],
    ['a secret KeyObject as an Ed25519 key', { keyId: 'k', algorithm: 'ed25519', privateKey: createSecretKey(randomBytes(32)) }],
    ['an unknown algorithm', { keyId: 'k', algorithm: 'rsa-pss', secret: randomBytes(32) }],
    ['an empty key id', { keyId: '', algorithm: 'hmac-sha256', secret: randomBytes(32) }],
    ['a key id with a space', { keyId: 'audit key', algorithm: 'hmac-sha256', secret: randomBytes(32) }],
  ])('refuses %s as a signing key with AUDIT_KEY_INVALID', (_, key) => {
    expect(isTenantryError(errorOf(() => checkSigningKey(key)), 'AUDIT_KEY_INVALID')).toBe(true);
  });

  it('refuses an Ed25519 private key as a verification key', () => {
    const key = { keyId: 'k', algorithm: 'ed25519', publicKey: generateKeyPairSync('ed25519').privateKey };
    expect(isTenantryError(errorOf(() => checkVerificationKeys([key])), 'AUDIT_KEY_INVALID')).toBe(true);
  });
});
