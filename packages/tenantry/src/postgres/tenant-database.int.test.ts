// withTenant and transaction against a real PostgreSQL: the app role sees and changes only the
// tenant in force, nothing without it, and nothing of the setting survives into the next
// checkout of the pooled connection.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, isTenantryError, newTenantId, type TenantId } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { isolateTable } from './isolate-table.js';
import { createTenantDatabase } from './tenant-database.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;

const bodies = (tenant: TenantId) =>
  t.db.withTenant(tenant, async (s) => (await s.query<{ body: string }>('SELECT body FROM notes ORDER BY body')).rows.map((r) => r.body));
// The app pool has one connection, so a plain query after withTenant reuses its connection.
const leftover = async () =>
  (await t.app.query<{ setting: string | null; n: string }>(`SELECT current_setting('app.tenant_id', true) AS setting, (SELECT count(*) FROM notes) AS n`)).rows[0];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, appPoolSize: 1 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
  await t.db.withTenant(a, (s) => s.query(`INSERT INTO notes (body) VALUES ('a1'), ('a2')`));
  await t.db.withTenant(b, (s) => s.query(`INSERT INTO notes (body) VALUES ('b1')`));
});
afterAll(() => t?.close());

describe('withTenant', () => {
  it('reads only the rows of the tenant in force', async () => {
    expect(await bodies(a)).toEqual(['a1', 'a2']);
    expect(await bodies(b)).toEqual(['b1']);
  });

  it('keeps the tenant in force for every statement of the scope, not just the first', async () => {
    const counts = await t.db.withTenant(a, async (s) => {
      const first = await s.query<{ n: string }>('SELECT count(*) AS n FROM notes');
      const second = await s.query<{ n: string }>('SELECT count(*) AS n FROM notes');
      return [first.rows[0]?.n, second.rows[0]?.n];
    });
    expect(counts).toEqual(['2', '2']);
  });

  it('puts the tenant in context for the callback', async () => {
    expect(await t.db.withTenant(a, async () => currentTenant()?.tenantId)).toBe(a);
  });

  it('rejects an insert carrying another tenant\'s id', async () => {
    const err = await errorOf(t.db.withTenant(a, (s) => s.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [b, 'evil'])));
    expect(isTenantryError(err, 'ISOLATION_VIOLATION')).toBe(true);
    expect(await bodies(b)).toEqual(['b1']);
  });

  it('cannot update, delete or re-home another tenant\'s rows', async () => {
    const updated = await t.db.withTenant(a, (s) => s.query(`UPDATE notes SET body = 'x' WHERE body = 'b1'`));
    const deleted = await t.db.withTenant(a, (s) => s.query(`DELETE FROM notes WHERE body = 'b1'`));
    expect([updated.rowCount, deleted.rowCount]).toEqual([0, 0]);
    const moved = await errorOf(t.db.withTenant(a, (s) => s.query('UPDATE notes SET tenant_id = $1', [b])));
    expect(isTenantryError(moved, 'ISOLATION_VIOLATION')).toBe(true);
    expect(await bodies(a)).toEqual(['a1', 'a2']);
    expect(await bodies(b)).toEqual(['b1']);
  });

  it('leaves no tenant setting on the pooled connection afterwards', async () => {
    await t.db.withTenant(a, (s) => s.query('SELECT 1'));
    const after = await leftover();
    expect(after?.setting ?? '').toBe('');
    expect(after?.n).toBe('0');
  });

  it('refuses writes and returns nothing with no tenant in force', async () => {
    const err = await errorOf(t.app.query(`INSERT INTO notes (tenant_id, body) VALUES ($1, 'x')`, [a]));
    expect((err as { code?: string }).code).toBe('42501');
    expect((await t.app.query('SELECT * FROM notes')).rows).toEqual([]);
  });

  it('refuses BEGIN sent as SQL before it reaches the server', async () => {
    const err = await errorOf(t.db.withTenant(a, (s) => s.query('BEGIN')));
    expect(isTenantryError(err, 'ISOLATION_STATEMENT_REFUSED')).toBe(true);
  });

  it('catches BEGIN sent as SQL even without the SQL guard, and leaves the connection clean', async () => {
    const unguarded = createTenantDatabase({ pool: t.app, sqlGuard: 'off' });
    const err = await errorOf(unguarded.withTenant(a, (s) => s.query('BEGIN')));
    expect(isTenantryError(err, 'TRANSACTION_CONTROL_REFUSED')).toBe(true);
    const after = await leftover();
    expect(after?.setting ?? '').toBe('');
    expect(after?.n).toBe('0');
  });

  it('gives an unknown tenant no statement', async () => {
    const err = await errorOf(t.db.withTenant(newTenantId(), (s) => s.query('SELECT 1')));
    expect(isTenantryError(err, 'TENANT_NOT_FOUND')).toBe(true);
  });

  it('refuses a malformed tenant id before touching the database', async () => {
    const err = await errorOf(t.db.withTenant('not-a-uuid', (s) => s.query('SELECT 1')));
    expect(isTenantryError(err, 'TENANT_ID_INVALID')).toBe(true);
  });

  it('refuses statements through a scope after withTenant returned', async () => {
    let leaked: { query(text: string): Promise<unknown> } | undefined;
    await t.db.withTenant(a, async (s) => {
      leaked = s;
    });
    await expect(leaked?.query('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_CLOSED' });
  });
});

describe('transaction', () => {
  it('commits all statements together', async () => {
    await t.db.transaction(a, async (tx) => {
      await tx.query(`INSERT INTO notes (body) VALUES ('t1')`);
      await tx.query(`INSERT INTO notes (body) VALUES ('t2')`);
    });
    expect(await bodies(a)).toEqual(['a1', 'a2', 't1', 't2']);
    await t.db.withTenant(a, (s) => s.query(`DELETE FROM notes WHERE body LIKE 't%'`));
  });

  it('rolls back everything when the callback throws, and cleans the connection', async () => {
    const err = await errorOf(
      t.db.transaction(a, async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('doomed')`);
        throw new Error('boom');
      }),
    );
    expect((err as Error).message).toBe('boom');
    expect(await bodies(a)).toEqual(['a1', 'a2']);
    expect((await leftover())?.setting ?? '').toBe('');
  });

  it('refuses to report success when a statement failed and the callback carried on', async () => {
    const err = await errorOf(
      t.db.transaction(a, async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('kept?')`);
        await tx.query('SELECT 1/0').catch(() => undefined);
        return 'ok';
      }),
    );
    expect(isTenantryError(err)).toBe(true);
    expect(await bodies(a)).toEqual(['a1', 'a2']);
  });

  it('goes on past a failed savepoint', async () => {
    await t.db.transaction(a, async (tx) => {
      await tx.savepoint(() => tx.query('SELECT 1/0')).catch(() => undefined);
      await tx.query(`INSERT INTO notes (body) VALUES ('a3')`);
    });
    expect(await bodies(a)).toEqual(['a1', 'a2', 'a3']);
    await t.db.withTenant(a, (s) => s.query(`DELETE FROM notes WHERE body = 'a3'`));
  });

  it('refuses scope statements while a transaction of the scope is open', async () => {
    const err = await errorOf(t.db.withTenant(a, (s) => s.transaction(() => s.query('SELECT 1'))));
    expect(isTenantryError(err, 'TRANSACTION_IN_PROGRESS')).toBe(true);
  });

  it('gives a suspended tenant no transaction, and a restored one its data back', async () => {
    await t.registry.suspend(b);
    const err = await errorOf(t.db.transaction(b, (tx) => tx.query('SELECT 1')));
    expect(isTenantryError(err, 'TENANT_SUSPENDED')).toBe(true);
    const scoped = await errorOf(t.db.withTenant(b, (s) => s.query('SELECT 1')));
    expect(isTenantryError(scoped, 'TENANT_SUSPENDED')).toBe(true);
    await t.registry.restore(b);
    expect(await bodies(b)).toEqual(['b1']);
  });
});
