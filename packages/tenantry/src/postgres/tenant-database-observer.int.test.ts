// The observer hook of createTenantDatabase, against a real PostgreSQL: every statement and
// every explicit transaction is reported once, with its tenant, duration and outcome, in the
// caller's tenant context.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, type TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { isolateTable } from './isolate-table.js';
import { createTenantDatabase } from './tenant-database.js';
import type { TenantStatementEvent, TenantTransactionEvent } from './tenant-database-observer.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const statements: (TenantStatementEvent & { context: string | undefined })[] = [];
const transactions: TenantTransactionEvent[] = [];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
});
afterAll(() => t?.close());

const observed = () =>
  createTenantDatabase({
    pool: t.app,
    observer: {
      onStatement: (event) => void statements.push({ ...event, context: currentTenant()?.tenantId }),
      onTransaction: (event) => void transactions.push(event),
    },
  });

describe('TenantDatabaseOptions.observer', () => {
  it('reports each scope statement with its tenant, in that tenant context', async () => {
    statements.length = 0;
    const db = observed();
    await db.withTenant(a, (s) => s.query('SELECT count(*) FROM notes'));
    await db.withTenant(b, async (s) => {
      await s.query('INSERT INTO notes (id) VALUES (1)');
      await s.query('SELECT id FROM notes');
    });
    expect(statements.map((e) => [e.tenantId, e.context, e.inTransaction, e.error])).toEqual([
      [a, a, false, undefined],
      [b, b, false, undefined],
      [b, b, false, undefined],
    ]);
    for (const e of statements) expect(e.durationMs).toBeGreaterThan(0);
  });

  it('reports statements inside a transaction and the transaction with its outcome', async () => {
    statements.length = 0;
    transactions.length = 0;
    const db = observed();
    await db.transaction(a, async (tx) => {
      await tx.query('INSERT INTO notes (id) VALUES (10)');
      await tx.query('INSERT INTO notes (id) VALUES (11)');
    });
    const failed = await db
      .transaction(b, async (tx) => {
        await tx.query('INSERT INTO notes (id) VALUES (20)');
        await tx.query('INSERT INTO notes (id) VALUES (20)'); // duplicate key
      })
      .catch((err: unknown) => err);
    expect(statements.map((e) => [e.tenantId, e.inTransaction, (e.error as { code?: string } | undefined)?.code])).toEqual([
      [a, true, undefined],
      [a, true, undefined],
      [b, true, undefined],
      [b, true, (failed as { code: string }).code],
    ]);
    expect(transactions.map((e) => [e.tenantId, e.outcome, e.error])).toEqual([
      [a, 'commit', undefined],
      [b, 'rollback', failed],
    ]);
    const [first] = transactions;
    expect(first?.durationMs).toBeGreaterThanOrEqual(statements[0]?.durationMs ?? Infinity);
  });

  it('reports a refused statement nowhere (it never reached the database) and works without an observer', async () => {
    statements.length = 0;
    const db = observed();
    await db.withTenant(a, (s) => s.query("SELECT set_config('app.tenant_id', $1, false)", [b])).catch(() => undefined);
    expect(statements).toEqual([]);
    const plain = createTenantDatabase({ pool: t.app });
    expect((await plain.withTenant(a, (s) => s.query<{ n: string }>('SELECT count(*) AS n FROM notes'))).rows[0]?.n).toBe('2');
  });
});

describe('an observer that throws', () => {
  const throwing = () => { throw new Error('observer bug'); };

  it('changes no outcome: statements answer, transactions commit, and a BEGIN sent as SQL is still undone and refused', async () => {
    const db = createTenantDatabase({ pool: t.app, sqlGuard: 'off', observer: { onStatement: throwing, onTransaction: throwing } });
    expect((await db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'))).rows).toEqual([{ one: 1 }]);
    await db.transaction(a, (tx) => tx.query('INSERT INTO notes (id) VALUES (900)'));
    expect((await t.admin.query('SELECT 1 FROM notes WHERE tenant_id = $1 AND id = 900', [a])).rowCount).toBe(1);
    await expect(db.withTenant(a, (s) => s.query('BEGIN'))).rejects.toMatchObject({ code: 'TRANSACTION_CONTROL_REFUSED' });
    // The connection went back clean: the next statement runs outside any leftover transaction.
    expect((await db.withTenant(b, (s) => s.query<{ n: string }>('SELECT count(*) AS n FROM notes WHERE id = 900'))).rows[0]?.n).toBe('0');
  });
});

describe('pgPool stats', () => {
  it('tells how many connections are open, idle and awaited, as pg counts them', async () => {
    const db = observed();
    let during: ReturnType<NonNullable<typeof t.app.stats>> | undefined;
    await db.withTenant(a, async (s) => {
      await s.query('SELECT 1');
      during = t.app.stats?.();
    });
    expect(during?.totalCount).toBeGreaterThanOrEqual(1);
    expect((during?.totalCount ?? 0) - (during?.idleCount ?? 0)).toBeGreaterThanOrEqual(1); // ours is checked out
    const after = t.app.stats?.();
    expect(after?.waitingCount).toBe(0);
    expect(after?.idleCount).toBe(after?.totalCount);
  });
});
