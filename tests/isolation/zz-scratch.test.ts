// Property 2: the tenant setting never outlives the library's own statement or transaction.
// With one pooled connection shared by many concurrent tenants, and operations that fail in
// every way we know (SQL errors, thrown callbacks, BEGIN sent as SQL), a plain query on the
// app pool between checkouts sees no tenant, no rows, and may not write.
import fc from 'fast-check';
import pg from 'pg';
import { PipelinedQuery } from '../../packages/tenantry/src/postgres/drivers/pg-pipelined-query.js';
(PipelinedQuery.prototype as any).handleError = function (this: any, err: Error, c: unknown) { (pg.Query.prototype as any).handleError.call(this, err, c); };
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from 'tenantry';
import { createTenantDatabase, pgPool, type SqlPool, type SqlQueryable, type TenantDatabase } from 'tenantry/postgres';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { allRowsByTenant, clearAppData, createAppSchema, expectCode, rejection, tenantIds } from './isolation-fixtures.js';

const TENANTS = 24;
let t: TestTenantry;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 1 });
  tenants = tenantIds(t);
  await createAppSchema(t);
});
afterAll(() => t?.close());

const FAILING_SQL = [
  'SELECT 1/0',
  "SELECT 'not-a-uuid'::uuid",
  'SELECT * FROM no_such_table',
  'SAVEPOINT s1',
  'RELEASE SAVEPOINT s1',
  'INSERT INTO items (label) VALUES (NULL)',
] as const;
const BEGIN_SQL = ['BEGIN', 'START TRANSACTION', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'begin read only'] as const;
const END_SQL = ['COMMIT', 'ROLLBACK', 'END', 'ABORT'] as const;

type LeakOp =
  | { kind: 'probe' }
  | { kind: 'insert' | 'insert-then-throw' | 'tx-commit' | 'tx-throw' | 'tx-swallowed-error' | 'tx-savepoint-failure' | 'tx-first-statement-fails'; tenant: number }
  | { kind: 'sql-error'; tenant: number; sql: (typeof FAILING_SQL)[number]; swallow: boolean }
  | { kind: 'begin-as-sql'; tenant: number; sql: (typeof BEGIN_SQL)[number]; swallow: boolean }
  | { kind: 'end-as-sql'; tenant: number; sql: (typeof END_SQL)[number] }
  | { kind: 'set-local'; tenant: number; other: number };

const tenantArb = fc.nat({ max: TENANTS - 1 });
const leakOp: fc.Arbitrary<LeakOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('probe' as const) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'insert' as const, 'insert-then-throw' as const, 'tx-commit' as const, 'tx-throw' as const,
        'tx-swallowed-error' as const, 'tx-savepoint-failure' as const, 'tx-first-statement-fails' as const,
      ),
      tenant: tenantArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sql-error' as const), tenant: tenantArb, sql: fc.constantFrom(...FAILING_SQL), swallow: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('begin-as-sql' as const), tenant: tenantArb, sql: fc.constantFrom(...BEGIN_SQL), swallow: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end-as-sql' as const), tenant: tenantArb, sql: fc.constantFrom(...END_SQL) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set-local' as const), tenant: tenantArb, other: tenantArb }) },
);

class IntendedFailure extends Error {}

/** What a plain query on the app pool sees outside withTenant: it must be nothing at all. */
async function probe(pool: SqlPool, anyTenant: TenantId): Promise<void> {
  const { rows } = await pool.query<{ setting: string | null; items: string; tags: string; registry: string }>(
    `SELECT current_setting('app.tenant_id', true) AS setting, (SELECT count(*) FROM items) AS items,
            (SELECT count(*) FROM tags) AS tags, (SELECT count(*) FROM tenantry.tenants) AS registry`,
  );
  expect({ ...rows[0], setting: rows[0]?.setting ?? '' }).toEqual({ setting: '', items: '0', tags: '0', registry: '0' });
  const err = await rejection(pool.query('INSERT INTO items (tenant_id, label) VALUES ($1, $2)', [anyTenant, 'no tenant in force']));
  expect((err as { code?: unknown }).code).toBe('42501');
}

/**
 * Runs one operation and returns how many items it added for its tenant. Inside every scope it
 * first checks that the tenant in force is its own and sees exactly its model's count.
 */
async function runLeakOp(op: Exclude<LeakOp, { kind: 'probe' }>, self: TenantId, count: number): Promise<number> {
  const look = async (q: SqlQueryable) => {
    const { rows } = await q.query(`SELECT current_setting('app.tenant_id', true) AS setting, (SELECT count(*) FROM items) AS n`);
    expect(rows[0]).toEqual({ setting: self, n: String(count) });
  };
  const insert = 'INSERT INTO items (label) VALUES ($1)';
  switch (op.kind) {
    case 'insert':
      await t.db.withTenant(self, async (s) => {
        await look(s);
        await s.query(insert, ['kept']);
      });
      return 1;
    case 'insert-then-throw': {
      // Each statement of a scope commits on its own: the insert stays although the callback throws.
      const err = await rejection(
        t.db.withTenant(self, async (s) => {
          await look(s);
          await s.query(insert, ['kept despite the throw']);
          throw new IntendedFailure();
        }),
      );
      expect(err).toBeInstanceOf(IntendedFailure);
      return 1;
    }
    case 'sql-error': {
      const outcome = t.db.withTenant(self, async (s) => {
        await look(s);
        const failed = await rejection(s.query(op.sql));
        expect(isTenantryError(failed), String(failed)).toBe(true);
        if (!op.swallow) throw failed;
      });
      if (op.swallow) await outcome;
      else expect(isTenantryError(await rejection(outcome))).toBe(true);
      return 0;
    }
    case 'begin-as-sql': {
      const outcome = t.db.withTenant(self, async (s) => {
        await look(s);
        await expectCode(s.query(op.sql), 'TRANSACTION_CONTROL_REFUSED');
        if (!op.swallow) throw new IntendedFailure();
      });
      if (op.swallow) await outcome;
      else expect(await rejection(outcome)).toBeInstanceOf(IntendedFailure);
      return 0;
    }
    case 'end-as-sql':
      // Outside a transaction these are no-ops; whether they are accepted is not the point here.
      await t.db.withTenant(self, (s) => s.query(op.sql)).catch((err: unknown) => expect(isTenantryError(err)).toBe(true));
      return 0;
    case 'set-local':
      // SET LOCAL inside the statement's own implicit transaction ends with it.
      await t.db.withTenant(self, async (s) => {
        await s.query(`SET LOCAL app.tenant_id = '${tenants[op.other] as TenantId}'`);
        await look(s);
      });
      return 0;
    case 'tx-commit':
      await t.db.transaction(self, async (tx) => {
        await look(tx);
        await tx.query(insert, ['committed']);
      });
      return 1;
    case 'tx-throw':
      expect(
        await rejection(
          t.db.transaction(self, async (tx) => {
            await tx.query(insert, ['rolled back']);
            await look(tx).catch(() => undefined);
            throw new IntendedFailure();
          }),
        ),
      ).toBeInstanceOf(IntendedFailure);
      return 0;
    case 'tx-swallowed-error': {
      const err = await rejection(
        t.db.transaction(self, async (tx) => {
          await tx.query(insert, ['rolled back']);
          await tx.query('SELECT 1/0').catch(() => undefined);
          return 'looks fine';
        }),
      );
      expect(isTenantryError(err)).toBe(true);
      return 0;
    }
    case 'tx-savepoint-failure':
      await t.db.transaction(self, async (tx) => {
        await tx.savepoint(async () => {
          await tx.query(insert, ['undone by the savepoint']);
          throw new IntendedFailure();
        }).catch((err: unknown) => expect(err).toBeInstanceOf(IntendedFailure));
        await look(tx);
        await tx.query(insert, ['kept after the savepoint']);
      });
      return 1;
    case 'tx-first-statement-fails':
      expect(isTenantryError(await rejection(t.db.transaction(self, (tx) => tx.query('SELECT 1/0'))))).toBe(true);
      return 0;
  }
}

describe('the tenant setting on a pool of one connection shared by many tenants', () => {
  it('is never visible to a plain query between checkouts, whatever the operations before did', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(leakOp, { minLength: 5, maxLength: 25 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        await clearAppData(t);
        const counts = new Map<TenantId, number>(tenants.map((id) => [id, 0]));
        for (const batch of batches) {
          // Probes go in as their own chains so they take the one connection between checkouts.
          const chains = new Map<string, LeakOp[]>();
          batch.forEach((op, i) => {
            const key = op.kind === 'probe' ? `probe-${i}` : `tenant-${op.tenant}`;
            chains.set(key, [...(chains.get(key) ?? []), op]);
          });
          await Promise.all(
            [...chains.values()].map(async (ops) => {
              for (const op of ops) {
                if (op.kind === 'probe') {
                  await probe(t.app, tenants[0] as TenantId);
                  continue;
                }
                const self = tenants[op.tenant] as TenantId;
                counts.set(self, (counts.get(self) ?? 0) + (await runLeakOp(op, self, counts.get(self) ?? 0)));
              }
            }),
          );
          await probe(t.app, tenants[0] as TenantId);
          const truth = await allRowsByTenant(t);
          for (const id of tenants) expect(truth.get(id)?.length ?? 0, `items of ${id}`).toBe(counts.get(id));
        }
      }),
      { numRuns: 15 },
    );
  });
});

// The tests below leave their connection in a state nobody else should inherit, so each one
// gets a fresh pool of one connection over the same database.
async function withFreshPool(work: (db: TenantDatabase, pool: SqlPool) => Promise<void>): Promise<void> {
  const pool = pgPool({ connectionString: t.appUrl, max: 1 });
  try {
    await work(createTenantDatabase({ pool }), pool);
  } finally {
    await pool.end();
  }
}

describe('SQL sent through a scope that tries to keep or move the tenant', () => {
  // Bug: release() only checks the transaction status, so a session-level `SET app.tenant_id`
  // sent through a scope survives its COMMIT and the next borrower of the connection sees that tenant's rows.
  it('does not carry a session-level SET of app.tenant_id into the next checkout', async () => {
    await withFreshPool(async (db, pool) => {
      const [a, b] = tenants as [TenantId, TenantId];
      await db.withTenant(b, (s) => s.query('INSERT INTO items (label) VALUES ($1)', ['b-secret']));
      await db.withTenant(a, (s) => s.query(`SET app.tenant_id = '${b}'`)).catch(() => undefined);
      await probe(pool, a);
    });
  });

  // Bug: ISOLATION.md rule 10 says SQL that changes settings is refused, but set_config() through
  // a transaction moves it to another tenant and the following statements read that tenant's rows.
  it("refuses SQL that points app.tenant_id at another tenant inside a transaction", async () => {
    await withFreshPool(async (db) => {
      const [a, b] = tenants as [TenantId, TenantId];
      await db.withTenant(b, (s) => s.query('INSERT INTO items (label) VALUES ($1)', ['b-secret']));
      const seen = await db
        .transaction(a, async (tx) => {
          await tx.query("SELECT set_config('app.tenant_id', $1, true)", [b]);
          return (await tx.query<{ label: string }>('SELECT label FROM items')).rows.map((r) => r.label);
        })
        .catch((err: unknown) => err);
      expect(seen).not.toContain('b-secret');
    });
  });
});

describe('a scope that ignores a refused BEGIN and carries on', () => {
  // Bug: a BEGIN sent as SQL is refused but its transaction stays open until the scope ends, so a
  // statement reported as refused is committed by a later COMMIT sent through the same scope.
  it('never commits a statement it reported as refused', async () => {
    await withFreshPool(async (db) => {
      const a = tenants[2] as TenantId;
      await db.withTenant(a, async (s) => {
        await expectCode(s.query('BEGIN'), 'TRANSACTION_CONTROL_REFUSED');
        await expectCode(s.query('INSERT INTO items (label) VALUES ($1)', ['reported as refused']), 'TRANSACTION_CONTROL_REFUSED');
        await s.query('COMMIT').catch(() => undefined);
      });
      const { rows } = await t.admin.query('SELECT label FROM items WHERE tenant_id = $1 AND label = $2', [a, 'reported as refused']);
      expect(rows).toEqual([]);
    });
  });

  // Bug: the pg driver records a preamble statement as prepared before the server accepts its Parse;
  // parsed inside that open, aborted transaction it never exists, and every later transaction on the connection fails.
  it('hands the next tenant a connection whose transactions still work', async () => {
    await withFreshPool(async (db) => {
      const [a, b] = tenants as [TenantId, TenantId];
      await db.withTenant(a, async (s) => {
        await expectCode(s.query('BEGIN'), 'TRANSACTION_CONTROL_REFUSED');
        await rejection(s.query('SELECT 1/0'));
        await rejection(s.transaction((tx) => tx.query('SELECT 1')));
      });
      const { rows } = await db.transaction(b, (tx) => tx.query<{ one: number }>('SELECT 1 AS one'));
      expect(rows).toEqual([{ one: 1 }]);
    });
  });
});
