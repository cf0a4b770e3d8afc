// withTenant against a real PostgreSQL: the app role sees and changes only the tenant in
// force, nothing without it, and nothing of the setting survives into the next checkout.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, isTenantryError, newTenantId, type TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { isolateTable } from './isolate-table.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, appPoolSize: 1 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
  await t.db.withTenant(a, (tx) => tx.query(`INSERT INTO notes (body) VALUES ('a1'), ('a2')`));
  await t.db.withTenant(b, (tx) => tx.query(`INSERT INTO notes (body) VALUES ('b1')`));
});
afterAll(() => t?.close());

const bodies = (rows: { body: string }[]) => rows.map((r) => r.body).sort();

describe('withTenant', () => {
  it('reads only the rows of the tenant in force', async () => {
    const rowsA = await t.db.withTenant(a, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    const rowsB = await t.db.withTenant(b, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rowsA)).toEqual(['a1', 'a2']);
    expect(bodies(rowsB)).toEqual(['b1']);
  });

  it('puts the tenant in context for the callback', async () => {
    const seen = await t.db.withTenant(a, async () => currentTenant()?.tenantId);
    expect(seen).toBe(a);
  });

  it('rejects an insert carrying another tenant\'s id', async () => {
    const err = await t.db.withTenant(a, (tx) => tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [b, 'evil'])).catch((e: unknown) => e);
    expect(isTenantryError(err, 'ISOLATION_VIOLATION')).toBe(true);
    const rowsB = await t.db.withTenant(b, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rowsB)).toEqual(['b1']);
  });

  it('cannot update, delete or re-home another tenant\'s rows', async () => {
    const updated = await t.db.withTenant(a, (tx) => tx.query(`UPDATE notes SET body = 'x' WHERE body = 'b1'`));
    const deleted = await t.db.withTenant(a, (tx) => tx.query(`DELETE FROM notes WHERE body = 'b1'`));
    expect(updated.rowCount).toBe(0);
    expect(deleted.rowCount).toBe(0);
    const moved = await t.db.withTenant(a, (tx) => tx.query('UPDATE notes SET tenant_id = $1', [b])).catch((e: unknown) => e);
    expect(isTenantryError(moved, 'ISOLATION_VIOLATION')).toBe(true);
    const rowsB = await t.db.withTenant(b, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rowsB)).toEqual(['b1']);
  });

  it('leaves no tenant setting on the pooled connection afterwards', async () => {
    await t.db.withTenant(a, (tx) => tx.query('SELECT 1'));
    // The pool has one connection: this checkout gets the one withTenant just used.
    const { rows } = await t.app.query<{ setting: string | null; n: string }>(
      `SELECT current_setting('app.tenant_id', true) AS setting, (SELECT count(*) FROM notes) AS n`,
    );
    expect(rows[0]?.setting ?? '').toBe('');
    expect(rows[0]?.n).toBe('0');
  });

  it('refuses writes with no tenant in force', async () => {
    const err = await t.app.query(`INSERT INTO notes (tenant_id, body) VALUES ($1, 'x')`, [a]).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('42501');
  });

  it('rolls back when the callback throws', async () => {
    await expect(
      t.db.withTenant(a, async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('doomed')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await t.db.withTenant(a, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rows)).toEqual(['a1', 'a2']);
  });

  it('refuses to report success when a statement failed and the callback carried on', async () => {
    const err = await t.db
      .withTenant(a, async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('kept?')`);
        await tx.query('SELECT 1/0').catch(() => undefined);
        return 'ok';
      })
      .catch((e: unknown) => e);
    expect(isTenantryError(err)).toBe(true);
    const rows = await t.db.withTenant(a, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rows)).toEqual(['a1', 'a2']);
  });

  it('keeps the transaction going past a failed savepoint', async () => {
    await t.db.withTenant(a, async (tx) => {
      await tx.savepoint(() => tx.query('SELECT 1/0')).catch(() => undefined);
      await tx.query(`INSERT INTO notes (body) VALUES ('a3')`);
    });
    const rows = await t.db.withTenant(a, async (tx) => (await tx.query<{ body: string }>('SELECT body FROM notes')).rows);
    expect(bodies(rows)).toEqual(['a1', 'a2', 'a3']);
    await t.db.withTenant(a, (tx) => tx.query(`DELETE FROM notes WHERE body = 'a3'`));
  });

  it('gives an unknown tenant no transaction', async () => {
    const err = await t.db.withTenant(newTenantId(), (tx) => tx.query('SELECT 1')).catch((e: unknown) => e);
    expect(isTenantryError(err, 'TENANT_NOT_FOUND')).toBe(true);
  });

  it('refuses a malformed tenant id before touching the database', async () => {
    const err = await t.db.withTenant('not-a-uuid', (tx) => tx.query('SELECT 1')).catch((e: unknown) => e);
    expect(isTenantryError(err, 'TENANT_ID_INVALID')).toBe(true);
  });

  it('refuses statements through a transaction handle after it ended', async () => {
    let leaked: { query(text: string): Promise<unknown> } | undefined;
    await t.db.withTenant(a, async (tx) => { leaked = tx; });
    await expect(leaked?.query('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_CLOSED' });
  });
});
