// CORS origins: one canonical spelling per entry, exact matching, and a wildcard that admits one
// subdomain level of one https base and nothing that merely looks like it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOriginAllowed, parseOrigin } from './origin.js';
import { codeOf } from '../testing/index.js';

const parseCode = (value: unknown) => codeOf(() => parseOrigin(value));

describe('parseOrigin', () => {
  it.each([
    ['HTTPS://App.Example.com:443/', 'https://app.example.com'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://example.com:80', 'http://example.com'],
    ['https://example.com:8443', 'https://example.com:8443'],
    ['http://127.0.0.1:5173', 'http://127.0.0.1:5173'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['  https://example.com  ', 'https://example.com'],
    ['https://*.Example.com', 'https://*.example.com'],
  ])('writes %j as %j', (input, expected) => {
    expect(parseOrigin(input)).toBe(expected);
  });

  it.each([
    ['a path', 'https://example.com/app'],
    ['a query', 'https://example.com?x=1'],
    ['a fragment', 'https://example.com#top'],
    ['credentials', 'https://user:pw@example.com'],
    ['another scheme', 'ftp://example.com'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['the null origin', 'null'],
    ['a bare wildcard', '*'],
    ['an http wildcard', 'http://*.example.com'],
    ['a wildcard over a top-level domain', 'https://*.com'],
    ['a wildcard with a port', 'https://*.example.com:8443'],
    ['a wildcard inside a label', 'https://app-*.example.com'],
    ['a wildcard further right', 'https://app.*.example.com'],
    ['a host with an underscore', 'https://a_b.example.com'],
    ['no host', 'https://'],
    ['a backslash', 'https://example.com\\@evil.com'],
    ['a number', 42],
    ['an overlong origin', `https://${'a'.repeat(300)}.com`],
  ])('refuses %s with ORIGIN_INVALID', (_, input) => {
    expect(parseCode(input)).toBe('ORIGIN_INVALID');
  });
});

describe('isOriginAllowed', () => {
  const list = ['http://localhost:3000', 'https://app.acme.com', 'https://*.tenants.acme.com'];

  it('allows exactly the listed origins', () => {
    expect(isOriginAllowed(list, 'https://app.acme.com')).toBe(true);
    expect(isOriginAllowed(list, 'http://localhost:3000')).toBe(true);
    expect(isOriginAllowed(list, 'http://app.acme.com')).toBe(false);
    expect(isOriginAllowed(list, 'https://app.acme.com:8443')).toBe(false);
    expect(isOriginAllowed(list, 'http://localhost:3001')).toBe(false);
    expect(isOriginAllowed(list, 'https://acme.com')).toBe(false);
  });

  it('lets a wildcard admit one https subdomain level of its base, on the default port only', () => {
    expect(isOriginAllowed(list, 'https://eu.tenants.acme.com')).toBe(true);
    expect(isOriginAllowed(list, 'https://tenants.acme.com')).toBe(false);
    expect(isOriginAllowed(list, 'https://a.b.tenants.acme.com')).toBe(false);
    expect(isOriginAllowed(list, 'http://eu.tenants.acme.com')).toBe(false);
    expect(isOriginAllowed(list, 'https://eu.tenants.acme.com:8443')).toBe(false);
    expect(isOriginAllowed(list, 'https://evil-tenants.acme.com')).toBe(false);
    expect(isOriginAllowed(list, 'https://eu.tenants.acme.com.evil.com')).toBe(false);
  });

  it('refuses a header that is not already a serialized origin, rather than normalizing it into a match', () => {
    for (const header of ['https://APP.acme.com', 'https://app.acme.com/', 'https://app.acme.com:443', 'null', '', ' https://app.acme.com', 'https://*.tenants.acme.com']) {
      expect(isOriginAllowed(list, header), header).toBe(false);
    }
    expect(isOriginAllowed(list, undefined)).toBe(false);
  });

  it('admits no origin through a wildcard unless it is one label in front of the base', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
    const anyHost = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
    // Hosts near the base too, so that the property meets the interesting cases often.
    const host = fc.oneof(
      anyHost,
      anyHost.map((h) => `${h}.tenants.acme.com`),
      anyHost.map((h) => `${h}tenants.acme.com`),
      anyHost.map((h) => `${h}.tenants.acme.com.${h}`),
      fc.constant('tenants.acme.com'),
    );
    fc.assert(
      fc.property(host, fc.constantFrom('https', 'http'), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (h, scheme, port) => {
        const origin = `${scheme}://${h}${port === undefined ? '' : `:${port}`}`;
        const expected = scheme === 'https' && port === undefined && /^[^.]+\.tenants\.acme\.com$/.test(h);
        // Only canonical origins can match at all; an explicit default port is not one.
        fc.pre(parseCode(origin) === undefined && parseOrigin(origin) === origin);
        expect(isOriginAllowed(['https://*.tenants.acme.com'], origin)).toBe(expected);
      }),
    );
  });
});
