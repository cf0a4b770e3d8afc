// Property: random trees of sub-units in many tenants, random rows at their nodes and random
// members granted at a node. Inside a member's transaction PostgreSQL shows exactly the model's
// visible set — the rows and nodes of the granted node's subtree — and nothing of its ancestors,
// its siblings or another tenant; writes outside the subtree are refused by the policy itself.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createControlPlane, systemActor, type ControlPlane } from 'tenantry/control';
import { createTenantNodes, enterMemberScope, enterNode, scopeTableToNodes } from 'tenantry/identity';
import { isolateTable } from 'tenantry/postgres';
import { createTestTenantry, expectCode, type TestTenantry } from 'tenantry/testing';

const TENANTS = 6;
const actor = 'user:prop';
const nodes = createTenantNodes();

let t: TestTenantry;
let tenants: TenantId[];
let control: ControlPlane;
/** Per tenant: node → parent (null for a top-level node), and the rows' nodes by row id. */
const model = new Map<TenantId, { parents: Map<string, string | null>; rows: Map<string, string> }>();

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 3 });
  tenants = t.tenants.map((x) => x.id);
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
  await t.admin.query('CREATE TABLE public.bookings (tenant_id uuid NOT NULL, id uuid NOT NULL, node_id uuid, label text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('public.bookings', { admin: t.admin });
  await scopeTableToNodes('public.bookings', { admin: t.admin });
  for (const id of tenants) model.set(id, { parents: new Map(), rows: new Map() });
});
afterAll(async () => {
  await control?.close();
  await t?.close();
});

function subtree(parents: Map<string, string | null>, root: string): Set<string> {
  const inside = new Set([root]);
  // Parents were made before their children, so one pass in insertion order closes the set.
  for (const [node, parent] of parents) if (parent !== null && inside.has(parent)) inside.add(node);
  return inside;
}

/** A tree: node i's parent is one of the nodes before it, or none (a top-level node). */
const tree = fc.integer({ min: 1, max: 12 }).chain((size) => fc.tuple(
  ...Array.from({ length: size }, (_, i) => fc.record({ parent: fc.option(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { nil: undefined }), rows: fc.integer({ min: 0, max: 3 }) }))));
const plan = fc.record({
  tenants: fc.uniqueArray(fc.integer({ min: 0, max: TENANTS - 1 }), { minLength: 1, maxLength: 3 }),
  trees: fc.array(tree, { minLength: 3, maxLength: 3 }),
  grants: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
});

describe('hierarchical tenants: random trees, rows and grants across many tenants', () => {
  it('show a member granted at a node exactly that node\'s subtree, enforced by PostgreSQL', async () => {
    await fc.assert(fc.asyncProperty(plan, async ({ tenants: picked, trees, grants }) => {
      // Build: each picked tenant gets a tree (the first node is always top-level) and rows.
      await Promise.all(picked.map(async (index, k) => {
        const tenantId = tenants[index]!;
        const m = model.get(tenantId)!;
        const spec = trees[k]!;
        await t.db.transaction(tenantId, async (tx) => {
          const ids: string[] = [];
          for (const [i, node] of spec.entries()) {
            const parentId = i === 0 || node.parent === undefined ? null : ids[node.parent]!;
            const made = await nodes.create(tx, { name: `n${i}`, parentId }, actor);
            ids.push(made.id);
            m.parents.set(made.id, parentId);
            for (let r = 0; r < node.rows; r++) {
              const id = randomUUID();
              await tx.query('INSERT INTO public.bookings (id, node_id, label) VALUES ($1, $2, $3)', [id, made.id, `r${r}`]);
              m.rows.set(id, made.id);
            }
          }
        });
      }));
      // Check: members granted at random nodes of random tenants see exactly their subtree.
      for (const [g, pick] of grants.entries()) {
        const tenantId = tenants[picked[g % picked.length]!]!;
        const m = model.get(tenantId)!;
        const all = [...m.parents.keys()];
        const at = all[pick % all.length]!;
        const userId = `u-${randomUUID()}`;
        await t.db.transaction(tenantId, async (tx) => {
          await control.members.add(tx, { userId, role: 'member' }, systemActor());
          await nodes.grant(tx, userId, at, actor);
        });
        const visibleNodes = subtree(m.parents, at);
        const expectedRows = [...m.rows].filter(([, node]) => visibleNodes.has(node)).map(([id]) => id).sort();
        const outside = all.find((n) => !visibleNodes.has(n));
        await t.db.transaction(tenantId, async (tx) => {
          expect(await enterMemberScope(tx, userId)).toBe(at);
          const { rows } = await tx.query<{ id: string }>('SELECT id FROM public.bookings ORDER BY id');
          expect(rows.map((r) => r.id)).toEqual(expectedRows);
          expect(new Set((await nodes.list(tx)).map((n) => n.id))).toEqual(visibleNodes);
          if (outside !== undefined) {
            // Above or beside: not even entered, read or written.
            await expectCode(enterNode(tx, outside), 'NODE_NOT_FOUND');
            await expectCode(nodes.get(tx, outside), 'NODE_NOT_FOUND');
          }
        });
        if (outside !== undefined) {
          await expectCode(t.db.transaction(tenantId, async (tx) => {
            await enterMemberScope(tx, userId);
            await tx.query('INSERT INTO public.bookings (id, node_id, label) VALUES ($1, $2, $3)', [randomUUID(), outside, 'sneak']);
          }), 'ISOLATION_VIOLATION');
          await expectCode(t.db.transaction(tenantId, async (tx) => {
            await enterMemberScope(tx, userId);
            await tx.query('INSERT INTO public.bookings (id, node_id, label) VALUES ($1, NULL, $2)', [randomUUID(), 'tenant-level']);
          }), 'ISOLATION_VIOLATION');
        }
      }
      // And a whole-tenant transaction of each tenant sees its own rows, all of them, only.
      for (const tenantId of tenants) {
        const { rows } = await t.db.withTenant(tenantId, (s) => s.query<{ id: string }>('SELECT id FROM public.bookings ORDER BY id'));
        expect(rows.map((r) => r.id)).toEqual([...model.get(tenantId)!.rows.keys()].sort());
      }
    }), { numRuns: 12 });
  });
});
