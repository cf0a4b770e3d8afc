// SCIM filters (RFC 7644 §3.4.2.2): what the grammar accepts and how it matches, and that what it
// does not support is refused with SCIM_FILTER_INVALID rather than read some other way.
import { describe, expect, it } from 'vitest';
import { codeOfError } from '../testing/index.js';
import { matchesScimFilter, parseScimFilter } from './scim-filter.js';

const alice = { userName: 'Alice@Acme.example', active: true, name: { givenName: 'Alice' }, emails: [{ value: 'a@acme.example', primary: true }, { value: 'alice@home.example' }], groups: [] };
const matches = (filter: string, resource: unknown = alice) => matchesScimFilter(parseScimFilter(filter), resource);

describe('SCIM filters', () => {
  it('compare strings case-insensitively with every operator', () => {
    expect(matches('userName eq "alice@acme.example"')).toBe(true);
    expect(matches('USERNAME Eq "alice@acme.example"')).toBe(true);
    expect(matches('userName ne "alice@acme.example"')).toBe(false);
    expect(matches('userName co "ACME"')).toBe(true);
    expect(matches('userName sw "ali" and userName ew ".example"')).toBe(true);
    expect(matches('userName gt "aa" and userName lt "b"')).toBe(true);
  });

  it('read sub-attributes and multi-valued attributes, presence, booleans and null', () => {
    expect(matches('name.givenName eq "alice"')).toBe(true);
    expect(matches('emails eq "alice@home.example"')).toBe(true);
    expect(matches('emails.value co "home"')).toBe(true);
    expect(matches('emails.primary eq true')).toBe(true);
    expect(matches('active eq false')).toBe(false);
    expect(matches('displayName pr')).toBe(false);
    expect(matches('groups pr')).toBe(false);
    expect(matches('displayName eq null')).toBe(true);
  });

  it('combine with and, or, not and parentheses, and binds and tighter than or', () => {
    expect(matches('active eq false or userName sw "ali" and name.givenName eq "Alice"')).toBe(true);
    expect(matches('(active eq false or userName sw "ali") and name.givenName eq "Bob"')).toBe(false);
    expect(matches('not (active eq false)')).toBe(true);
    expect(matches('not (userName pr) or (active eq true and (emails pr))')).toBe(true);
  });

  it('refuse what they cannot read or do not support', () => {
    for (const bad of ['', 'userName', 'userName eq', 'userName zz "x"', '(userName eq "x"', 'userName eq "x")', 'emails[type eq "work"]',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', 'userName eq "x" and', 'not userName eq "x"', 'a.b.c eq 1', `${'('.repeat(40)}a pr${')'.repeat(40)}`, 'x'.repeat(2000)]) {
      let code: string | undefined;
      try {
        parseScimFilter(bad);
      } catch (err) {
        code = codeOfError(err);
      }
      expect(code, bad).toBe('SCIM_FILTER_INVALID');
    }
  });
});
