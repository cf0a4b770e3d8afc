// Custom domain names: one canonical spelling each (so one domain cannot be stored twice and
// belong to two tenants), and nothing that is not a plain host name.
import { describe, expect, it } from 'vitest';
import { parseDomainName } from './domain-name.js';
import { codeOf } from '../testing/index.js';

const parseCode = (value: unknown, reserved?: readonly string[]) => codeOf(() => parseDomainName(value, reserved));

describe('parseDomainName', () => {
  it.each([
    ['App.Acme.COM', 'app.acme.com'],
    ['app.acme.com.', 'app.acme.com'],
    ['  acme.io ', 'acme.io'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['ＡＣＭＥ.com', 'acme.com'],
  ])('writes %j as %j', (input, expected) => {
    expect(parseDomainName(input)).toBe(expected);
  });

  it.each([
    ['a single label', 'localhost'],
    ['a URL', 'https://acme.com'],
    ['a port', 'acme.com:443'],
    ['a path', 'acme.com/app'],
    ['a wildcard', '*.acme.com'],
    ['an IPv4 address', '10.0.0.1'],
    ['an IPv6 address', '[::1]'],
    ['an empty label', 'a..com'],
    ['a label starting with a hyphen', '-a.com'],
    ['an underscore', 'a_b.com'],
    ['a space', 'ac me.com'],
    ['the empty string', ''],
    ['a number', 7],
  ])('refuses %s with DOMAIN_INVALID', (_, input) => {
    expect(parseCode(input)).toBe('DOMAIN_INVALID');
  });

  it("refuses the platform's own domains and their subdomains, and only those", () => {
    expect(parseCode('example.com', ['example.com'])).toBe('DOMAIN_INVALID');
    expect(parseCode('acme.example.com', ['example.com'])).toBe('DOMAIN_INVALID');
    expect(parseDomainName('notexample.com', ['example.com'])).toBe('notexample.com');
  });
});
