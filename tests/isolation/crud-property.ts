// The CRUD isolation property shared by crud-interleavings and generic-plans: random batches
// of scopes and transactions for many tenants run concurrently on a small pool, checked
// against an in-memory model of each tenant's rows after every step and every batch.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import { isTenantryError, type TenantId } from 'tenantry';
import type { SqlQueryable, TenantTransaction } from 'tenantry/postgres';
import { expectCode, rejection, type TestTenantry } from 'tenantry/testing';
import { allRowsByTenant, clearAppData, ITEMS_WITH_TAGS, settleAll, type ItemRow } from './isolation-fixtures.js';

/** What a tenant does to another tenant's rows; every one must see or change nothing. */
export type ForeignAction = 'read' | 'update' | 'delete' | 'rehome' | 'insert-as' | 'tag-theirs' | 'tag-as';

export type Step =
  | { kind: 'insert'; label: string }
  | { kind: 'update'; pick: number; label: string }
  | { kind: 'delete'; pick: number }
  | { kind: 'tag'; pick: number; name: string }
  | { kind: 'read' }
  | { kind: 'foreign'; victimOffset: number; action: ForeignAction; pick: number };

export type TxStep = Step | { kind: 'savepoint'; steps: Step[]; ending: 'release' | 'throw' };

export type Op =
  /** withTenant: every statement is its own transaction. */
  | { kind: 'scope'; tenant: number; steps: Step[] }
  /**
   * db.transaction: `commit`; `throw` (the callback throws after its steps: nothing may stay);
   * `swallow-violation` (the callback catches an isolation violation and returns: the
   * transaction must still be rolled back and reported).
   */
  | { kind: 'transaction'; tenant: number; steps: TxStep[]; ending: 'commit' | 'throw' | 'swallow-violation' };

export interface CrudInput {
  /** Items each tenant starts the run with. */
  seed: number[];
  batches: Op[][];
}

const label = fc.string({ maxLength: 8 });
const pick = fc.nat({ max: 50 });

function stepArb(tenantCount: number): fc.Arbitrary<Step> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), label }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), pick, label }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('tag' as const), pick, name: label }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('foreign' as const),
        victimOffset: fc.integer({ min: 1, max: tenantCount - 1 }),
        action: fc.constantFrom<ForeignAction>('read', 'update', 'delete', 'rehome', 'insert-as', 'tag-theirs', 'tag-as'),
        pick,
      }),
    },
  );
}

/** Inputs for {@link runCrudInput}: a seed and 1–3 batches of 5–30 operations over `tenantCount` tenants. */
export function crudInput(tenantCount: number): fc.Arbitrary<CrudInput> {
  const step = stepArb(tenantCount);
  const tenant = fc.nat({ max: tenantCount - 1 });
  const savepoint = fc.record({
    kind: fc.constant('savepoint' as const),
    steps: fc.array(step, { minLength: 1, maxLength: 3 }),
    ending: fc.constantFrom('release' as const, 'throw' as const),
  });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('scope' as const), tenant, steps: fc.array(step, { minLength: 1, maxLength: 4 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('transaction' as const),
        tenant,
        steps: fc.array(fc.oneof({ weight: 3, arbitrary: step }, { weight: 1, arbitrary: savepoint }), { minLength: 1, maxLength: 5 }),
        ending: fc.constantFrom('commit' as const, 'commit' as const, 'throw' as const, 'swallow-violation' as const),
      }),
    },
  );
  return fc.record({
    seed: fc.array(fc.nat({ max: 3 }), { minLength: tenantCount, maxLength: tenantCount }),
    batches: fc.array(fc.array(op, { minLength: 5, maxLength: 30 }), { minLength: 1, maxLength: 3 }),
  });
}

/** A tenant's rows in the model: item id → label and tag names. */
type TenantRows = Map<string, { label: string; tags: string[] }>;

function cloneRows(rows: TenantRows): TenantRows {
  return new Map([...rows].map(([id, item]) => [id, { label: item.label, tags: [...item.tags] }]));
}

function expectedRows(rows: TenantRows): ItemRow[] {
  return [...rows]
    .map(([id, item]) => ({ id, label: item.label, tags: [...item.tags].sort(compareText) }))
    .sort((x, y) => compareText(x.id, y.id));
}

// Both sides are sorted here, byte-wise, so the database's collation does not matter.
function compareText(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x), Buffer.from(y));
}

function sortRows(rows: ItemRow[]): ItemRow[] {
  return rows.map((r) => ({ ...r, tags: [...r.tags].sort(compareText) })).sort((x, y) => compareText(x.id, y.id));
}

/** Marks the error a transaction callback throws on purpose, so it is told apart from real failures. */
class IntendedAbort extends Error {}

interface Session {
  readonly self: TenantId;
  readonly q: SqlQueryable;
  /** Set inside a transaction: a failing statement must then run in a savepoint to let the transaction go on. */
  readonly tx: TenantTransaction | undefined;
  /** The rows this session sees: the committed model for a scope, a working copy in a transaction. */
  rows: TenantRows;
}

/** How the property empties and reads back every tenant's rows as the admin (per tier: tests/isolation/tiers.test.ts). */
export interface AdminViews {
  clear(): Promise<void>;
  allRows(): Promise<Map<string, ItemRow[]>>;
}

/**
 * Runs one input against the database and the model. `tenants` must all be active; the
 * application tables are emptied first, so runs are independent (and shrinkable).
 */
export async function runCrudInput(
  t: Pick<TestTenantry, 'db' | 'admin'>,
  tenants: readonly TenantId[],
  input: CrudInput,
  views: AdminViews = { clear: () => clearAppData(t), allRows: () => allRowsByTenant(t) },
): Promise<void> {
  await views.clear();
  const model = new Map<TenantId, TenantRows>(tenants.map((id) => [id, new Map()]));
  const committed = (id: TenantId): TenantRows => model.get(id) as TenantRows;

  // Statements that must fail: in a transaction they run in a savepoint so the transaction survives.
  async function refused(s: Session, code: string, text: string, values: unknown[]): Promise<void> {
    const tx = s.tx;
    await expectCode(tx ? tx.savepoint(() => tx.query(text, values)) : s.q.query(text, values), code);
  }

  async function expectVisible(s: Session): Promise<void> {
    const { rows } = await s.q.query<ItemRow>(ITEMS_WITH_TAGS);
    expect(sortRows(rows)).toEqual(expectedRows(s.rows));
    const { rows: counts } = await s.q.query<{ items: string; tags: string }>(
      'SELECT (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM tags) AS tags',
    );
    const tagCount = [...s.rows.values()].reduce((n, item) => n + item.tags.length, 0);
    expect(counts[0]).toEqual({ items: String(s.rows.size), tags: String(tagCount) });
  }

  function ownId(s: Session, index: number): string | undefined {
    const ids = [...s.rows.keys()].sort(compareText);
    return ids.length === 0 ? undefined : ids[index % ids.length];
  }

  async function runStep(s: Session, step: Step): Promise<void> {
    switch (step.kind) {
      case 'insert': {
        const { rows } = await s.q.query<{ id: string; tenant_id: string }>(
          'INSERT INTO items (label) VALUES ($1) RETURNING id::text AS id, tenant_id::text AS tenant_id',
          [step.label],
        );
        const row = rows[0];
        expect(row?.tenant_id).toBe(s.self);
        s.rows.set(row?.id ?? '', { label: step.label, tags: [] });
        return;
      }
      case 'update': {
        const id = ownId(s, step.pick);
        if (id === undefined) return;
        const { rowCount } = await s.q.query('UPDATE items SET label = $1 WHERE id = $2', [step.label, id]);
        expect(rowCount).toBe(1);
        (s.rows.get(id) as { label: string }).label = step.label;
        return;
      }
      case 'delete': {
        const id = ownId(s, step.pick);
        if (id === undefined) return;
        const { rowCount } = await s.q.query('DELETE FROM items WHERE id = $1', [id]);
        expect(rowCount).toBe(1);
        s.rows.delete(id);
        return;
      }
      case 'tag': {
        const id = ownId(s, step.pick);
        if (id === undefined) return;
        const { rows } = await s.q.query<{ tenant_id: string }>(
          'INSERT INTO tags (item_id, name) VALUES ($1, $2) RETURNING tenant_id::text AS tenant_id',
          [id, step.name],
        );
        expect(rows[0]?.tenant_id).toBe(s.self);
        s.rows.get(id)?.tags.push(step.name);
        return;
      }
      case 'read':
        await expectVisible(s);
        return;
      case 'foreign':
        await runForeign(s, step);
        return;
    }
  }

  async function runForeign(s: Session, step: Extract<Step, { kind: 'foreign' }>): Promise<void> {
    const victim = tenants[(tenants.indexOf(s.self) + step.victimOffset) % tenants.length] as TenantId;
    // The victim's committed ids right now (its own chain may be changing them concurrently).
    const theirIds = [...committed(victim).keys()];
    const theirItem = theirIds.length === 0 ? randomUUID() : (theirIds[step.pick % theirIds.length] as string);
    switch (step.action) {
      case 'read': {
        const { rows } = await s.q.query<{ items: string; tags: string; by_tenant: string }>(
          `SELECT (SELECT count(*) FROM items WHERE id = ANY($1::uuid[])) AS items,
                  (SELECT count(*) FROM tags WHERE item_id = ANY($1::uuid[])) AS tags,
                  (SELECT count(*) FROM items WHERE tenant_id = $2) AS by_tenant`,
          [theirIds, victim],
        );
        expect(rows[0]).toEqual({ items: '0', tags: '0', by_tenant: '0' });
        return;
      }
      case 'update': {
        const items = await s.q.query(`UPDATE items SET label = 'hijacked' WHERE id = ANY($1::uuid[]) OR tenant_id = $2`, [theirIds, victim]);
        const tags = await s.q.query(`UPDATE tags SET name = 'hijacked' WHERE item_id = ANY($1::uuid[]) OR tenant_id = $2`, [theirIds, victim]);
        expect([items.rowCount, tags.rowCount]).toEqual([0, 0]);
        return;
      }
      case 'delete': {
        const tags = await s.q.query('DELETE FROM tags WHERE item_id = ANY($1::uuid[]) OR tenant_id = $2', [theirIds, victim]);
        const items = await s.q.query('DELETE FROM items WHERE id = ANY($1::uuid[]) OR tenant_id = $2', [theirIds, victim]);
        expect([tags.rowCount, items.rowCount]).toEqual([0, 0]);
        return;
      }
      case 'rehome': {
        const mine = ownId(s, step.pick);
        if (mine === undefined) {
          const { rowCount } = await s.q.query('UPDATE items SET tenant_id = $1', [victim]);
          expect(rowCount).toBe(0);
          return;
        }
        await refused(s, 'ISOLATION_VIOLATION', 'UPDATE items SET tenant_id = $1 WHERE id = $2', [victim, mine]);
        return;
      }
      case 'insert-as':
        await refused(s, 'ISOLATION_VIOLATION', 'INSERT INTO items (tenant_id, label) VALUES ($1, $2)', [victim, 'intruder']);
        return;
      case 'tag-theirs':
        // The tag gets our tenant id, and (ours, their item) does not exist: the composite key
        // refuses it exactly as it refuses an id that exists nowhere.
        await refused(s, 'FOREIGN_KEY_VIOLATION', 'INSERT INTO tags (item_id, name) VALUES ($1, $2)', [theirItem, 'intruder']);
        return;
      case 'tag-as':
        await refused(s, 'ISOLATION_VIOLATION', 'INSERT INTO tags (tenant_id, item_id, name) VALUES ($1, $2, $3)', [victim, theirItem, 'intruder']);
        return;
    }
  }

  async function runTxStep(s: Session & { tx: TenantTransaction }, step: TxStep): Promise<void> {
    if (step.kind !== 'savepoint') return runStep(s, step);
    const before = s.rows;
    s.rows = cloneRows(before);
    try {
      await s.tx.savepoint(async () => {
        for (const inner of step.steps) await runStep(s, inner);
        if (step.ending === 'throw') throw new IntendedAbort('savepoint abandoned');
      });
    } catch (err) {
      if (!(err instanceof IntendedAbort)) throw err;
      s.rows = before;
    }
  }

  async function runOp(tenants: readonly TenantId[], op: Op): Promise<void> {
    const self = tenants[op.tenant] as TenantId;
    if (op.kind === 'scope') {
      await t.db.withTenant(self, async (scope) => {
        const s: Session = { self, q: scope, tx: undefined, rows: committed(self) };
        for (const step of op.steps) await runStep(s, step);
      });
      return;
    }
    let working: TenantRows | undefined;
    const done = t.db.transaction(self, async (tx) => {
      const s = { self, q: tx, tx, rows: cloneRows(committed(self)) };
      for (const step of op.steps) await runTxStep(s, step);
      await expectVisible(s);
      working = s.rows;
      if (op.ending === 'throw') throw new IntendedAbort('transaction abandoned');
      if (op.ending === 'swallow-violation') {
        const victim = tenants[(op.tenant + 1) % tenants.length] as TenantId;
        await tx.query('INSERT INTO items (tenant_id, label) VALUES ($1, $2)', [victim, 'intruder']).catch(() => undefined);
      }
    });
    if (op.ending === 'commit') {
      await done;
      model.set(self, working as TenantRows);
    } else if (op.ending === 'throw') {
      expect(await rejection(done)).toBeInstanceOf(IntendedAbort);
    } else {
      const err = await rejection(done);
      expect(isTenantryError(err, 'ISOLATION_VIOLATION'), String(err)).toBe(true);
    }
  }

  async function checkEveryTenant(): Promise<void> {
    await settleAll(
      tenants.map((id) =>
        t.db.withTenant(id, async (scope) => {
          await expectVisible({ self: id, q: scope, tx: undefined, rows: committed(id) });
        }),
      ),
    );
    const truth = await views.allRows();
    for (const id of tenants) expect(truth.get(id) ?? [], `rows of ${id} as the admin sees them`).toEqual(expectedRows(committed(id)));
    expect([...truth.keys()].filter((id) => !model.has(id as TenantId)), 'rows under no tenant of the model').toEqual([]);
  }

  await settleAll(
    input.seed.map((count, i) =>
      count === 0 ? Promise.resolve() : runOp(tenants, { kind: 'scope', tenant: i, steps: Array.from({ length: count }, (_, n): Step => ({ kind: 'insert', label: `seed-${n}` })) }),
    ),
  );
  for (const batch of input.batches) {
    // One chain per tenant, all chains at once: operations of different tenants interleave
    // freely on the shared connections, while each tenant's own model stays exact.
    const chains = new Map<number, Op[]>();
    for (const op of batch) chains.set(op.tenant, [...(chains.get(op.tenant) ?? []), op]);
    await settleAll(
      [...chains.values()].map(async (ops) => {
        for (const op of ops) await runOp(tenants, op);
      }),
    );
    await checkEveryTenant();
  }
}
