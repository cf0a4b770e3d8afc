// Host headers are attacker-controlled: only plain DNS names pass, and only one label below a
// configured base domain names a tenant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHost, subdomainOf } from './host.js';

describe('parseHost', () => {
  it('lower-cases and drops the port and a trailing dot', () => {
    expect(parseHost('Acme.Example.COM:8443')).toBe('acme.example.com');
    expect(parseHost('acme.example.com.')).toBe('acme.example.com');
  });

  it.each(['', 'acme example.com', 'acme.example.com\r\nX-Evil: 1', 'user@acme.example.com', '[::1]:80', '-acme.example.com', 'a..b', `${'a'.repeat(64)}.com`, 'acme.example.com:99999x'])(
    'refuses %j with HOST_INVALID',
    (raw) => {
      expect(() => parseHost(raw)).toThrow(expect.objectContaining({ code: 'HOST_INVALID' }));
    },
  );

  it('never lets a header-injection character through (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', ' ', '/', '@', '\0', '\t', '?', '#'), fc.string(), (a, bad, b) => {
        expect(() => parseHost(`${a}${bad}${b}`)).toThrow();
      }),
    );
  });
});

describe('subdomainOf', () => {
  it('names the single label under the base domain', () => {
    expect(subdomainOf('acme.example.com', 'example.com')).toBe('acme');
  });

  it('names nothing for the base itself, deeper labels or look-alike bases', () => {
    expect(subdomainOf('example.com', 'example.com')).toBeUndefined();
    expect(subdomainOf('a.acme.example.com', 'example.com')).toBeUndefined();
    expect(subdomainOf('acme.notexample.com', 'example.com')).toBeUndefined();
    expect(subdomainOf('acme.example.com.evil.test', 'example.com')).toBeUndefined();
  });
});
