// Custom domain names as tenants enter them: one canonical, lower-case host name each, so that
// one domain can never be stored twice under two spellings (and so belong to two tenants).
import { domainToASCII } from 'node:url';
import { controlErrors } from './errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const invalid = (reason: string) => controlErrors.create('DOMAIN_INVALID', { details: { reason } });

/**
 * The canonical form of a custom domain: trimmed, lower-case, without a trailing dot,
 * international names in punycode. Throws DOMAIN_INVALID for anything but a host name of two
 * labels or more (no scheme, port, path, wildcard or IP address), and for `reserved` domains
 * and their subdomains (the platform's own).
 *
 * @example parseDomainName('App.Acme.COM.') // 'app.acme.com'
 */
export function parseDomainName(value: unknown, reserved: readonly string[] = []): string {
  if (typeof value !== 'string') throw invalid('must be a string');
  const text = value.trim().replace(/\.$/, '');
  if (text.length === 0 || text.length > 253) throw invalid('must be 1–253 characters');
  if (/[\s/:@*?#\\[\]]/.test(text)) throw invalid('a host name only: no scheme, port, path or wildcard');
  // domainToASCII lower-cases and applies IDNA (UTS #46); it returns '' for what it cannot map.
  const ascii = domainToASCII(text);
  if (ascii === '' || ascii.length > 253) throw invalid('not a valid host name');
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) throw invalid('not a valid host name of two labels or more');
  if (/^[0-9]+$/.test(labels.at(-1) as string)) throw invalid('an IP address is not a domain');
  if (reserved.some((base) => ascii === base || ascii.endsWith(`.${base}`))) throw invalid('a domain of the platform itself');
  return ascii;
}
