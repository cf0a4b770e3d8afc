// How commands print tenants for people (aligned text) and for machines (JSON).
import type { Tenant } from 'tenantry';

/** UTC, to the second: enough to tell events apart, short enough for a table. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Pretty JSON with a trailing newline; dates become ISO strings. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * One tenant as `key  value` lines.
 *
 * @example io.out(formatTenant(tenant));
 */
export function formatTenant(tenant: Tenant): string {
  const rows: [string, string][] = [
    ['id', tenant.id],
    ['slug', tenant.slug],
    ['name', tenant.displayName],
    ['status', `${tenant.status} (since ${formatTime(tenant.statusChangedAt)})`],
    ...(tenant.statusReason === undefined ? [] : [['reason', tenant.statusReason] as [string, string]]),
    ['tier', tenant.tier],
    ['plan', tenant.plan],
    ['region', tenant.region],
    ['created', formatTime(tenant.createdAt)],
    ['updated', formatTime(tenant.updatedAt)],
    ['version', String(tenant.version)],
  ];
  return rows.map(([key, value]) => `${key.padEnd(9)}${value}\n`).join('');
}

/**
 * Tenants as an aligned table with a header row.
 *
 * @example io.out(formatTenantTable(page.tenants));
 */
export function formatTenantTable(tenants: readonly Tenant[]): string {
  const header = ['ID', 'SLUG', 'STATUS', 'PLAN', 'REGION', 'CREATED'];
  const rows = tenants.map((t) => [t.id, t.slug, t.status, t.plan, t.region, formatTime(t.createdAt)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((cells) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`).join('');
}

/** Columns padded to their widest cell, two blanks apart, as `ls -l` and `kubectl get` print. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((cells) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`).join('');
}
