// Shared by the isolation properties: the application schema they run against (two tenant
// tables joined by a composite foreign key), the admin's view of every row, and small helpers.
import { expect } from 'vitest';
import type { TenantId } from 'tenantry';
import { isolateTable, quoteIdentifier, type SqlQueryable } from 'tenantry/postgres';
import type { TestTenantry } from 'tenantry/testing';

/** One item as a tenant sees it: tags sorted by name, so rows compare with toEqual. */
export interface ItemRow {
  id: string;
  label: string;
  tags: string[];
}

/**
 * Creates `items` and its child `tags` as the admin and puts both under isolation. The foreign
 * key is composite (docs/isolation-rules.md rule 5): a tag can only point at an item of its own
 * tenant.
 */
export async function createAppSchema(t: TestTenantry): Promise<void> {
  await t.admin.query(`CREATE TABLE items (
    tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text NOT NULL,
    PRIMARY KEY (tenant_id, id))`);
  await t.admin.query(`CREATE TABLE tags (
    tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), item_id uuid NOT NULL, name text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, item_id) REFERENCES items (tenant_id, id) ON DELETE CASCADE)`);
  await isolateTable('items', { admin: t.admin });
  await isolateTable('tags', { admin: t.admin });
}

/** The items with their tags, as whoever runs it may see them (ordered by id). */
export const ITEMS_WITH_TAGS = `
  SELECT i.id::text AS id, i.label,
         coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL), '{}') AS tags
    FROM items i LEFT JOIN tags g ON g.item_id = i.id
   GROUP BY i.id, i.label ORDER BY i.id`;

/**
 * Every row of every tenant, read as the admin (a superuser bypasses row-level security), in
 * `schema` (a schema-tier tenant's) of the database `t.admin` is on (a database-tier tenant's).
 */
export async function allRowsByTenant(t: { readonly admin: SqlQueryable }, schema = 'public'): Promise<Map<string, ItemRow[]>> {
  const s = quoteIdentifier(schema);
  const { rows } = await t.admin.query<ItemRow & { tenant_id: string }>(`
    SELECT i.tenant_id::text AS tenant_id, i.id::text AS id, i.label,
           coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL), '{}') AS tags
      FROM ${s}.items i LEFT JOIN ${s}.tags g ON g.tenant_id = i.tenant_id AND g.item_id = i.id
     GROUP BY i.tenant_id, i.id, i.label ORDER BY i.tenant_id, i.id`);
  const byTenant = new Map<string, ItemRow[]>();
  for (const { tenant_id, ...item } of rows) {
    const list = byTenant.get(tenant_id) ?? [];
    list.push(item);
    byTenant.set(tenant_id, list);
  }
  // A tag whose item is gone, or that sits under another tenant than its item, would not show
  // up in the join above; count them separately.
  const { rows: stray } = await t.admin.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${s}.tags g WHERE NOT EXISTS (SELECT 1 FROM ${s}.items i WHERE i.tenant_id = g.tenant_id AND i.id = g.item_id)`,
  );
  expect(stray[0]?.n, 'tags without an item of their own tenant').toBe('0');
  return byTenant;
}

/** Empties the application tables as the admin, so every property run starts from nothing. */
export async function clearAppData(t: { readonly admin: SqlQueryable }, schema = 'public'): Promise<void> {
  await t.admin.query(`DELETE FROM ${quoteIdentifier(schema)}.tags`);
  await t.admin.query(`DELETE FROM ${quoteIdentifier(schema)}.items`);
}

/**
 * Like Promise.all, but waits for every promise before throwing the first failure, so a failed
 * property run never leaves work running into the next run (fast-check reruns while shrinking).
 */
export async function settleAll(work: Iterable<Promise<unknown>>): Promise<void> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The ids of `tenants`, typed. */
export function tenantIds(t: TestTenantry): TenantId[] {
  return t.tenants.map((tenant) => tenant.id);
}
