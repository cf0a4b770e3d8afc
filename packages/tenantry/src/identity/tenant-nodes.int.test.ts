// Hierarchical tenants against a real PostgreSQL: settings and flags inherit down and are
// overridden at a node, usage rolls up, removal refuses a node in use, every change is audited
// naming its node, and a transaction entered at a node cannot create outside its subtree.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createControlPlane, systemActor, type ControlPlane } from '../control/index.js';
import { createTestClock, createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { createTenantNodes, enterNode } from './index.js';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let control: ControlPlane;
const clock = createTestClock(new Date(inject('testNow')));
const nodes = createTenantNodes({ clock });

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
});
afterAll(async () => {
  await control?.close();
  await t?.close();
});

describe('tenant nodes', () => {
  it('inherit settings and flags down, each node overriding what it sets', async () => {
    await t.db.transaction(a.id, async (tx) => {
      const org = await nodes.create(tx, { name: 'Org', settings: { locale: 'en-GB', currency: 'GBP' }, flags: { beta: false } }, 'user:a');
      const region = await nodes.create(tx, { name: 'North', parentId: org.id, settings: { locale: 'fr-FR' } }, 'user:a');
      const unit = await nodes.create(tx, { name: 'Unit 1', parentId: region.id, flags: { beta: true } }, 'user:a');
      expect(unit.path).toEqual([org.id, region.id, unit.id]);
      expect(await nodes.effective(tx, unit.id)).toEqual({ settings: { locale: 'fr-FR', currency: 'GBP' }, flags: { beta: true } });
      expect(await nodes.effective(tx, region.id)).toEqual({ settings: { locale: 'fr-FR', currency: 'GBP' }, flags: { beta: false } });
      await nodes.update(tx, org.id, { settings: { locale: 'en-GB', currency: 'EUR' } }, 'user:a');
      expect((await nodes.effective(tx, unit.id)).settings).toEqual({ locale: 'fr-FR', currency: 'EUR' });
    });
  });

  it('roll usage up: a node counts its own and every descendant\'s, not its siblings\'', async () => {
    await t.db.transaction(a.id, async (tx) => {
      const org = await nodes.create(tx, { name: 'Usage org' }, 'user:a');
      const left = await nodes.create(tx, { name: 'L', parentId: org.id }, 'user:a');
      const right = await nodes.create(tx, { name: 'R', parentId: org.id }, 'user:a');
      const leaf = await nodes.create(tx, { name: 'LL', parentId: left.id }, 'user:a');
      await nodes.addUsage(tx, leaf.id, 'seats', 3);
      await nodes.addUsage(tx, left.id, 'seats', 2);
      await nodes.addUsage(tx, right.id, 'seats', 5);
      await nodes.addUsage(tx, leaf.id, 'seats', 1);
      expect([await nodes.usage(tx, org.id, 'seats'), await nodes.usage(tx, left.id, 'seats'), await nodes.usage(tx, right.id, 'seats'), await nodes.usage(tx, leaf.id, 'seats')]).toEqual([11, 6, 5, 4]);
      expect(await nodes.usage(tx, org.id, 'other')).toBe(0);
      await expectCode(nodes.addUsage(tx, leaf.id, 'Bad Metric', 1), 'NODE_INVALID');
    });
  });

  it('refuse to remove a node with children or grants, and audit each change naming the node', async () => {
    const { parent, child } = await t.db.transaction(a.id, async (tx) => {
      const p = await nodes.create(tx, { name: 'P' }, 'user:a');
      return { parent: p, child: await nodes.create(tx, { name: 'C', parentId: p.id }, 'user:a') };
    });
    await expectCode(t.db.transaction(a.id, (tx) => nodes.remove(tx, parent.id, 'user:a')), 'NODE_IN_USE');
    await t.db.transaction(a.id, async (tx) => {
      await control.members.add(tx, { userId: 'granted', role: 'member' }, systemActor());
      await nodes.grant(tx, 'granted', child.id, 'user:a');
    });
    await expectCode(t.db.transaction(a.id, (tx) => nodes.remove(tx, child.id, 'user:a')), 'NODE_IN_USE');
    await expectCode(t.db.transaction(a.id, (tx) => nodes.grant(tx, 'not-a-member', child.id, 'user:a')), 'NODE_INVALID');
    await t.db.transaction(a.id, async (tx) => {
      await nodes.revoke(tx, 'granted', 'user:a');
      expect(await nodes.grantOf(tx, 'granted')).toBeUndefined();
      await nodes.remove(tx, child.id, 'user:a');
      await nodes.remove(tx, parent.id, 'user:a');
    });
    const { rows } = await t.admin.query<{ action: string; node: string }>(
      "SELECT action, details->>'node' AS node FROM tenantry.audit_events WHERE tenant_id = $1 AND target = ANY($2) ORDER BY seq",
      [a.id, [`node:${parent.id}`, `node:${child.id}`]]);
    expect(rows.map((r) => `${r.action} ${r.node === parent.id ? 'P' : 'C'}`)).toEqual(['node.create P', 'node.create C', 'node.grant C', 'node.revoke C', 'node.remove C', 'node.remove P']);
  });

  it('keep a scoped transaction inside its subtree, and tenants apart', async () => {
    const { root, sibling } = await t.db.transaction(a.id, async (tx) => ({
      root: await nodes.create(tx, { name: 'Scoped root' }, 'user:a'), sibling: await nodes.create(tx, { name: 'Sibling' }, 'user:a'),
    }));
    await expectCode(t.db.transaction(a.id, async (tx) => {
      await enterNode(tx, root.id);
      await nodes.create(tx, { name: 'Top level from inside' }, 'user:a');
    }), 'NODE_NOT_FOUND');
    await expectCode(t.db.transaction(a.id, async (tx) => {
      await enterNode(tx, root.id);
      await nodes.create(tx, { name: 'Under a sibling', parentId: sibling.id }, 'user:a');
    }), 'NODE_NOT_FOUND');
    await t.db.transaction(a.id, async (tx) => {
      await enterNode(tx, root.id);
      const child = await nodes.create(tx, { name: 'Inside' }, 'user:a').catch(() => undefined);
      expect(child).toBeUndefined();
      expect((await nodes.create(tx, { name: 'Inside', parentId: root.id }, 'user:a')).path).toEqual([root.id, expect.any(String)]);
    });
    // Another tenant's node: not found, not enterable, not a parent.
    await expectCode(t.db.transaction(b.id, (tx) => nodes.get(tx, root.id)), 'NODE_NOT_FOUND');
    await expectCode(t.db.transaction(b.id, (tx) => enterNode(tx, root.id)), 'NODE_NOT_FOUND');
    await expectCode(t.db.transaction(b.id, (tx) => nodes.create(tx, { name: 'x', parentId: root.id }, 'user:b')), 'NODE_NOT_FOUND');
    // A scope lasts one transaction: the next one on the pool sees the whole tenant again.
    await t.db.transaction(a.id, (tx) => enterNode(tx, root.id));
    expect((await t.db.withTenant(a.id, (s) => nodes.list(s))).map((n) => n.id)).toContain(sibling.id);
  });
});
