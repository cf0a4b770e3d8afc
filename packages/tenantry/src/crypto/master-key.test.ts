// parseMasterKey: TENANTRY_MASTER_KEY (or a key file) is 32 bytes in base64; anything else is
// refused, and the refusal never repeats the value.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { parseMasterKey } from './master-key.js';
import { errorOf } from '../testing/index.js';

const key = randomBytes(32);
const parseFailure = (text: string): unknown => errorOf(() => parseMasterKey(text));

describe('parseMasterKey', () => {
  it.each([
    ['base64 with padding', key.toString('base64')],
    ['base64url without padding', key.toString('base64url')],
    ['base64 with the newline of a key file', `${key.toString('base64')}\n`],
  ])('reads %s', (_, text) => {
    expect(parseMasterKey(text)).toEqual(key);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 hex characters', key.toString('hex') + '!'],
    ['the empty string', ''],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s with ENCRYPTION_KEY_INVALID', (_, text) => {
    expect(isTenantryError(parseFailure(text), 'ENCRYPTION_KEY_INVALID')).toBe(true);
  });

  it('never repeats the value in the error', () => {
    const text = randomBytes(31).toString('base64');
    const err = parseFailure(text) as Error & { details: unknown };
    expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(text.slice(0, 12));
  });
});
