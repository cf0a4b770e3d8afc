// The TenantRequest of a Node http request (what Fastify and Express hand their handlers),
// read lazily from the parsed headers: no copy of every header per request.
import type { IncomingHttpHeaders } from 'node:http';
import type { TenantRequest } from '../resolve/index.js';

/**
 * `url` is the request target as received (path and query). The host is the Host header as
 * sent (HTTP/2: `:authority`); X-Forwarded-Host is never read: a client can send it unless a
 * proxy strips it, so a proxy in front must pass the original Host on instead.
 *
 * @example nodeTenantRequest(request.headers, request.url)
 */
export function nodeTenantRequest(headers: IncomingHttpHeaders, url: string): TenantRequest {
  const query = url.indexOf('?');
  const authority = headers[':authority'];
  return {
    host: headers.host ?? (typeof authority === 'string' ? authority : undefined),
    path: query === -1 ? url : url.slice(0, query),
    header(name) {
      const value = headers[name.toLowerCase()];
      // Node keeps a few repeated headers as arrays; join them as it joins the others.
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
