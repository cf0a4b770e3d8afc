// Bearer tokens shown once: the shape, what is stored (a hash, never the token) and the
// constant-time match that refuses any other text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invitationTenantId } from './invitations.js';
import { hashToken, issueToken, newPublicId, tokenMatches, tokenPublicPart } from './secret-token.js';

const PUBLIC = /[0-9a-f]{24}/;

describe('issueToken', () => {
  it('makes <prefix>_<public part>_<43 characters of base64url>, different every time', () => {
    const publicId = newPublicId();
    const a = issueToken('tnt_live', publicId);
    const b = issueToken('tnt_live', publicId);
    expect(a.token).toMatch(new RegExp(`^tnt_live_${publicId}_[A-Za-z0-9_-]{43}$`));
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toEqual(hashToken(a.token));
    expect(a.hash.length).toBe(32);
    expect(a.hash.toString('hex')).not.toContain(publicId);
  });
});

describe('tokenPublicPart', () => {
  it('finds the public part, also when the secret contains "_"', () => {
    const publicId = newPublicId();
    const token = `tnt_live_${publicId}_${'_'.repeat(43)}`;
    expect(tokenPublicPart('tnt_live', PUBLIC, token)).toBe(publicId);
  });

  it.each([
    ['another prefix', `tnt_test_${'a'.repeat(24)}_${'b'.repeat(43)}`],
    ['a short secret', `tnt_live_${'a'.repeat(24)}_${'b'.repeat(42)}`],
    ['a public part of the wrong shape', `tnt_live_${'A'.repeat(24)}_${'b'.repeat(43)}`],
    ['a character outside base64url', `tnt_live_${'a'.repeat(24)}_${'b'.repeat(42)}=`],
    ['a missing separator', `tnt_live_${'a'.repeat(24)}${'b'.repeat(44)}`],
    ['a huge value', `tnt_live_${'a'.repeat(24)}_${'b'.repeat(600)}`],
    ['a number', 42],
  ])('refuses %s', (_, token) => {
    expect(tokenPublicPart('tnt_live', PUBLIC, token)).toBeUndefined();
  });
});

describe('tokenMatches', () => {
  it('matches the issued token against its stored hash', () => {
    const { token, hash } = issueToken('tnt_live', newPublicId());
    expect(tokenMatches(token, hash)).toBe(true);
  });

  it('refuses every other token, however it differs', () => {
    const { token, hash } = issueToken('tnt_live', newPublicId());
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, ch) => {
        const mutated = token.slice(0, at) + ch + token.slice(at + 1);
        fc.pre(mutated !== token);
        expect(tokenMatches(mutated, hash)).toBe(false);
      }),
    );
    expect(tokenMatches(`${token}x`, hash)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), hash)).toBe(false);
  });

  it('answers false, after comparing all the same, when no row was found or the stored hash is not a hash', () => {
    const { token } = issueToken('tnt_live', newPublicId());
    expect(tokenMatches(token, undefined)).toBe(false);
    expect(tokenMatches(token, Buffer.alloc(5))).toBe(false);
    expect(tokenMatches('tenantry/no-such-token', undefined)).toBe(false);
  });
});

describe('invitationTenantId', () => {
  it('reads the tenant from an invitation token, and nothing from anything else', () => {
    const tenant = '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f';
    const invitation = 'a3bb189e-8bf9-4888-9912-ace4e6543002';
    const { token } = issueToken('tnt_inv', `${tenant.replace(/-/g, '')}_${invitation.replace(/-/g, '')}`);
    expect(invitationTenantId(token)).toBe(tenant);
    expect(invitationTenantId(token.replace('tnt_inv', 'tnt_live'))).toBeUndefined();
    expect(invitationTenantId('tnt_inv_nope')).toBeUndefined();
    expect(invitationTenantId(undefined)).toBeUndefined();
  });
});
