// The tenant list as CSV (RFC 4180: quoted where needed, CRLF lines), every page of the current
// filters, for a spreadsheet or a ticket.
import { tenantsApi, type TenantFilters } from '../api/endpoints.js';
import type { Tenant } from '../api/types.js';

const COLUMNS = ['id', 'slug', 'displayName', 'status', 'plan', 'tier', 'region', 'createdAt', 'statusChangedAt', 'statusReason'] as const;
/** Pages of the API's largest size, at most 20 (10,000 tenants; more belongs to `tenantry tenants list --json`). */
const PAGE_SIZE = 500;
const MAX_PAGES = 20;

/** @example csvField('Acme, Inc.') // "\"Acme, Inc.\"" */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** @example tenantsCsv([tenant]) // "id,slug,…\r\n01…,acme,…\r\n" */
export function tenantsCsv(tenants: readonly Tenant[]): string {
  const rows = tenants.map((t) => COLUMNS.map((c) => csvField(String(t[c] ?? ''))).join(','));
  return [COLUMNS.join(','), ...rows].map((line) => `${line}\r\n`).join('');
}

/** Every tenant matching the filters, page after page. */
export async function allTenants(token: string, filters: TenantFilters): Promise<Tenant[]> {
  const all: Tenant[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { items, nextCursor } = await tenantsApi.list(token, filters, cursor, undefined, PAGE_SIZE);
    all.push(...items);
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return all;
}
