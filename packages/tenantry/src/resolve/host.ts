// Host header parsing: the Host header is attacker-controlled, so it is validated before any
// strategy derives a tenant from it.
import { resolveErrors } from './errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The host name of a Host header, lower-cased, without port or trailing dot; throws
 * HOST_INVALID for anything that is not a DNS name (control characters, spaces, userinfo,
 * IPv6 literals, over-long labels).
 *
 * @example parseHost('Acme.Example.com:8443') // 'acme.example.com'
 */
export function parseHost(raw: string): string {
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(raw);
  const name = match?.[1]?.toLowerCase().replace(/\.$/, '');
  if (!name || name.length > 253 || !name.split('.').every((label) => LABEL.test(label))) {
    throw resolveErrors.create('HOST_INVALID');
  }
  return name;
}

/** The single label left of `baseDomain` in `host`, or undefined when `host` is not directly under it. */
export function subdomainOf(host: string, baseDomain: string): string | undefined {
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  // Only one level: a.b.example.com does not resolve tenant "a.b" or "b".
  return label.includes('.') || label.length === 0 ? undefined : label;
}
