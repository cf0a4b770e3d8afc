// TXT lookups for domain verification, through node:dns's Resolver so that the DNS servers can
// be configured (a company resolver, or a local one in tests) instead of the system's.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { coreErrors } from '../core/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { controlErrors } from './errors.js';

export interface DnsOptions {
  /** Resolver addresses, `1.1.1.1`, `127.0.0.1:5353` or `[::1]:53`. Default: the system's. */
  readonly servers?: readonly string[];
  /** Per try. Default 3000. */
  readonly timeoutMs?: number;
  /** Default 2. */
  readonly tries?: number;
}

/** Looks up the TXT records of a name: each record's strings joined, as one value. */
export type TxtLookup = (name: string) => Promise<string[]>;

// The name exists but has no TXT record, or does not exist at all: no proof, not an outage.
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'NODATA']);

function checkServer(server: unknown, index: number): string {
  if (typeof server === 'string') {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
    const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(server);
    const host = bracketed?.[1] ?? plain?.[1] ?? server;
    const port = Number(bracketed?.[2] ?? plain?.[2] ?? 53);
    if (isIP(host) !== 0 && port >= 1 && port <= 65535) return server;
  }
  throw coreErrors.create('CONFIG_INVALID', { details: { path: `dns.servers.${index}`, reason: 'an IP address with an optional port' } });
}

/**
 * A TXT lookup over the configured servers. A name without TXT records gives `[]`; a resolver
 * that does not answer (timeout, refusal, server failure) throws DOMAIN_DNS_UNAVAILABLE.
 *
 * @example const values = await txtLookup({ servers: ['127.0.0.1:5353'] })('_tenantry-challenge.acme.com');
 */
export function txtLookup(options: DnsOptions = {}): TxtLookup {
  checkKnownKeys(options, ['servers', 'timeoutMs', 'tries'], 'dns');
  const resolver = new Resolver({
    timeout: integerOption(options.timeoutMs, 3000, 1, 60_000, 'dns.timeoutMs'),
    tries: integerOption(options.tries, 2, 1, 10, 'dns.tries'),
  });
  if (options.servers !== undefined) {
    if (!Array.isArray(options.servers) || options.servers.length === 0) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'dns.servers', reason: 'a non-empty list of addresses' } });
    resolver.setServers(options.servers.map(checkServer));
  }
  return async (name) => {
    try {
      const records = await resolver.resolveTxt(name);
      return records.map((chunks) => chunks.join(''));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && NO_RECORD.has(code)) return [];
      throw controlErrors.create('DOMAIN_DNS_UNAVAILABLE', { cause: err });
    }
  };
}
