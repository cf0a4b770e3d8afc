// Where a tenant's webhook may be sent (SSRF guard): a tenant chooses the URL, the server sends
// the request, so without a check a tenant could make the server call its own loopback admin
// ports, the cloud metadata service (169.254.169.254) or the private network. Checked twice: when
// the endpoint is saved (the URL's literal address or `localhost`) and at every connection (each
// address the name resolves to, inside the socket's own lookup, so a DNS answer that changes
// between the check and the connection — DNS rebinding — is checked too).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { controlErrors } from './errors.js';

/** `refuse` (the default): no loopback, private, link-local or otherwise non-public target. `allow`: for tests and private deployments. */
export type PrivateTargets = 'refuse' | 'allow';

// IANA special-purpose ranges that are not the public internet (RFC 6890 and its updates).
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:(?:0:)?|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * Whether `address` (an IP literal) is on the public internet. Anything that is not an IP
 * literal is not public.
 *
 * @example isPublicAddress('169.254.169.254'); // false
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) return isPublicAddress(v4);
  return !NON_PUBLIC.check(address, 'ipv6');
}

function forbidden(url: string, address: string): Error {
  return controlErrors.create('WEBHOOK_TARGET_FORBIDDEN', { details: { url, address } });
}

/**
 * An endpoint's URL as stored: absolute http(s), no credentials in it, at most 2048 characters,
 * and (unless private targets are allowed) not a literal non-public address or `localhost`.
 * Names that resolve to such addresses are refused when sending (`guardedLookup`).
 */
export function parseWebhookUrl(value: unknown, privateTargets: PrivateTargets): string {
  const invalid = (reason: string) => controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'url', reason } });
  if (typeof value !== 'string' || value.length > 2048) throw invalid('an absolute http(s) URL of at most 2048 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be http or https');
  if (url.username !== '' || url.password !== '') throw invalid('must not carry credentials');
  if (url.hash !== '') throw invalid('must not have a fragment');
  if (privateTargets === 'refuse') {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 ? !isPublicAddress(host) : host === 'localhost' || host.endsWith('.localhost')) throw forbidden(url.href, host);
  }
  return url.href;
}

/**
 * A socket `lookup` that resolves like the system's, then refuses the connection (with
 * WEBHOOK_TARGET_FORBIDDEN) when any address it got is not public. Every address is checked, not
 * only the first: the socket may fall back to the next one.
 */
export function guardedLookup(url: string, privateTargets: PrivateTargets): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = privateTargets === 'refuse' ? addresses.find((a) => !isPublicAddress(a.address)) : undefined;
      if (refused !== undefined) return callback(forbidden(url, refused.address), '', 0);
      if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** The literal IP of `url`'s host when it is one (sockets skip `lookup` for those): refused here when not public. */
export function checkLiteralTarget(url: URL, privateTargets: PrivateTargets): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (privateTargets === 'refuse' && isIP(host) !== 0 && !isPublicAddress(host)) throw forbidden(url.href, host);
}
