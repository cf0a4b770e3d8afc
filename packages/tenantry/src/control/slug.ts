// Tenant slugs: external, changeable names used in subdomains and paths, so they follow DNS
// label rules and never take a name the platform itself needs.
import { controlErrors } from './errors.js';

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Names a tenant may not take: they are, or look like, the platform's own hosts and paths
 * (a tenant called "admin" at admin.example.com is a phishing kit).
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'www', 'admin', 'api', 'app', 'dashboard', 'auth', 'login', 'logout', 'signup', 'account', 'accounts',
  'billing', 'support', 'help', 'docs', 'status', 'mail', 'email', 'smtp', 'imap', 'ftp', 'ns1', 'ns2',
  'cdn', 'static', 'assets', 'metrics', 'healthz', 'readyz', 'internal', 'system', 'root', 'operator',
  'tenantry', 'localhost', 'test', 'staging', 'dev', 'prod', 'production', 'v1', 'v2',
]);

/**
 * Normalizes (trim, lower-case: `Acme-Corp` is stored and resolved as `acme-corp`, as DNS
 * compares host names) and checks a slug; throws TENANT_SLUG_INVALID (not a DNS label, or two
 * hyphens in a row) or TENANT_SLUG_RESERVED.
 *
 * @example const slug = parseSlug('Acme-Corp'); // 'acme-corp'
 */
export function parseSlug(value: unknown): string {
  if (typeof value !== 'string') throw controlErrors.create('TENANT_SLUG_INVALID', { details: { reason: 'not a string' } });
  const trimmed = value.trim();
  // Lower-casing non-ASCII can produce ASCII (the Kelvin sign becomes "k"): refuse it first.
  if (/[^\x20-\x7e]/.test(trimmed)) throw controlErrors.create('TENANT_SLUG_INVALID', { details: { reason: 'only ASCII letters, digits and "-"' } });
  const slug = trimmed.toLowerCase();
  if (!DNS_LABEL.test(slug)) throw controlErrors.create('TENANT_SLUG_INVALID', { details: { slug: slug.slice(0, 80) } });
  // "xn--" labels are punycode: they can render as a look-alike of another tenant's name.
  if (RESERVED_SLUGS.has(slug) || slug.startsWith('xn--')) throw controlErrors.create('TENANT_SLUG_RESERVED', { details: { slug } });
  // "--" in the 3rd and 4th places marks an IDNA-reserved label (RFC 5891 §4.2.3.1: "xn--" and
  // prefixes yet to come); any "--" is refused, so no slug reads as one (a--b, ab--x).
  if (slug.includes('--')) throw controlErrors.create('TENANT_SLUG_INVALID', { details: { slug, reason: 'no two hyphens in a row' } });
  return slug;
}
