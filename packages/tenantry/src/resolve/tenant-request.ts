// The framework-neutral view of a request that strategies read: adapters build it from
// Fastify, Express or Hono requests.

export interface TenantRequest {
  /** The raw Host header (may carry a port). */
  readonly host: string | undefined;
  /** The path without the query string. */
  readonly path: string;
  /** A header by lower-case name; repeated headers are joined by ", " as Node does. */
  header(name: string): string | undefined;
}

/**
 * Builds a TenantRequest from plain values.
 *
 * @example const req = tenantRequest({ host: 'acme.example.com', path: '/v1/me', headers: { 'x-tenant': 'acme' } });
 */
export function tenantRequest(input: { host?: string | undefined; path: string; headers?: Readonly<Record<string, string | readonly string[] | undefined>> }): TenantRequest {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    headers.set(name.toLowerCase(), typeof value === 'string' ? value : value.join(', '));
  }
  return { host: input.host ?? headers.get('host'), path: input.path, header: (name) => headers.get(name.toLowerCase()) };
}
