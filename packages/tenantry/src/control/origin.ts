// Origins for CORS: how an allowed origin is written down (parseOrigin) and whether a request's
// Origin header matches a tenant's list (isOriginAllowed). Pure; the list lives in
// allowed-origins.ts.
//
// Matching is exact on scheme, host and port. The one wildcard is `https://*.example.com`:
// exactly one label in front of the base, https only, default port, never the base itself.
// It exists because tenants that give each of their customers a subdomain cannot list them
// all; it is kept that narrow because every broader form has been a real CORS hole (a suffix
// match lets `evil-example.com` in; `http` lets a network attacker in; several levels let any
// host someone can create under a shared domain in).
import { controlErrors } from './errors.js';

const MAX_LENGTH = 300;
const SHAPE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s\\]+)\/?$/i;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV6_HOST = /^\[[0-9a-f:.]+\]$/;

const invalid = (reason: string) => controlErrors.create('ORIGIN_INVALID', { details: { reason } });

function isDnsName(host: string, minLabels: number): boolean {
  const labels = host.split('.');
  return host.length <= 253 && labels.length >= minLabels && labels.every((label) => HOST_LABEL.test(label));
}

function parseWildcard(base: string): string {
  let url: URL;
  try {
    url = new URL(`https://${base}`);
  } catch {
    throw invalid('the part after "*." is not a host name');
  }
  if (url.port !== '' || url.host !== url.hostname) throw invalid('a wildcard origin takes no port');
  // Two labels at least: `https://*.com` would allow every .com site.
  if (!isDnsName(url.hostname, 2) || /^[0-9.]+$/.test(url.hostname)) throw invalid('a wildcard needs a domain of two labels or more after "*."');
  return `https://*.${url.hostname}`;
}

/**
 * The serialized origin of an entry for the allowed list: lower-cased, default port dropped,
 * international names in punycode; `https://*.example.com` for one level of subdomains.
 * Throws ORIGIN_INVALID for anything else (paths, queries, credentials, other schemes, `null`).
 *
 * @example parseOrigin('HTTPS://App.Example.com:443/') // 'https://app.example.com'
 */
export function parseOrigin(value: unknown): string {
  if (typeof value !== 'string') throw invalid('must be a string');
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_LENGTH) throw invalid(`must be 1–${MAX_LENGTH} characters`);
  const shape = SHAPE.exec(text);
  if (!shape) throw invalid('only scheme://host[:port], without path, query, fragment or credentials');
  const scheme = (shape[1] as string).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw invalid('the scheme must be http or https');
  const authority = shape[2] as string;
  if (authority.startsWith('*.')) {
    if (scheme !== 'https') throw invalid('a wildcard origin must use https');
    return parseWildcard(authority.slice(2));
  }
  if (authority.includes('*')) throw invalid('"*" is allowed only as the whole first label of an https origin');
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}`);
  } catch {
    throw invalid('not a valid origin');
  }
  if (!isDnsName(url.hostname, 1) && !IPV6_HOST.test(url.hostname)) throw invalid('the host is not a DNS name or IP address');
  return url.origin;
}

/** The canonical form of `value`, or undefined when it is not a valid, non-wildcard origin. */
function canonical(value: string): string | undefined {
  try {
    const origin = parseOrigin(value);
    return origin.includes('*') ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a request's `Origin` header is allowed by a tenant's list (entries as
 * {@link parseOrigin} writes them, e.g. from `allowedOrigins.list`). The header must already be
 * a serialized origin, as browsers send it: anything else (`null`, a path, upper case, an
 * explicit default port) is refused rather than normalized into a match.
 *
 * @example isOriginAllowed(['https://*.acme.com'], 'https://eu.acme.com') // true
 */
export function isOriginAllowed(origins: readonly string[], origin: string | undefined): boolean {
  if (typeof origin !== 'string' || origin.length > MAX_LENGTH || canonical(origin) !== origin) return false;
  for (const entry of origins) {
    if (entry === origin) return true;
    if (!entry.startsWith('https://*.') || !origin.startsWith('https://')) continue;
    const base = entry.slice('https://*.'.length);
    const host = origin.slice('https://'.length);
    // No port (the wildcard means the default port), and exactly one label in front of the base.
    if (host.includes(':') || !host.endsWith(`.${base}`)) continue;
    const label = host.slice(0, host.length - base.length - 1);
    if (HOST_LABEL.test(label)) return true;
  }
  return false;
}
