// bench/hierarchy: RLS reads of a member scoped to a subtree ÷ the same reads of a whole-tenant
// member, same data, same code path (both run enterMemberScope, one finds a grant), measured
// ABBA in rounds; the median ratio is reported. One tenant with a tree of ~10,000 nodes
// (10 organisations → 10 regions each → 99 properties each) and rows at the properties, under
// isolateTable + scopeTableToNodes. The scoped member is granted at a region (~100 nodes).
//   npm run bench -- hierarchy            full: 10,010 nodes × 20 rows, 5 rounds × 2 s, 8 clients
//   npm run bench -- hierarchy --smoke    CI: 1,010 nodes × 5 rows, 1 round × 0.6 s
import { createControlPlane, systemActor } from 'tenantry/control';
import { createTenantNodes, enterMemberScope, scopeTableToNodes } from 'tenantry/identity';
import { isolateTable } from 'tenantry/postgres';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median, pairedRatio } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const PROPERTIES_PER_REGION = smoke ? 9 : 99;
const ROWS_PER_PROPERTY = smoke ? 5 : 20;
const ROUNDS = smoke ? 1 : 5;
const SLICE_MS = smoke ? 600 : 2000;
const CLIENTS = 8;

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 1, appPoolSize: CLIENTS });
const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
try {
  const tenantId = t.tenants[0]!.id;
  await t.admin.query('CREATE TABLE public.bookings (tenant_id uuid NOT NULL, id uuid NOT NULL, node_id uuid, label text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await t.admin.query('CREATE INDEX bookings_node ON public.bookings (tenant_id, node_id)');
  await isolateTable('public.bookings', { admin: t.admin });
  await scopeTableToNodes('public.bookings', { admin: t.admin });
  // The tree, level by level (the path trigger reads each parent), as the admin for speed.
  const insertLevel = (parentSql: string, perParent: number, name: string) => t.admin.query(
    `INSERT INTO tenantry.tenant_nodes (tenant_id, id, parent_id, name, created_at)
     SELECT $1, gen_random_uuid(), p.id, '${name} ' || i, now() FROM (${parentSql}) p, generate_series(1, ${perParent}) i`, [tenantId]);
  await insertLevel('SELECT NULL::uuid AS id', 10, 'org');
  await insertLevel('SELECT id FROM tenantry.tenant_nodes WHERE parent_id IS NULL', 10, 'region');
  await insertLevel('SELECT id FROM tenantry.tenant_nodes WHERE cardinality(path) = 2', PROPERTIES_PER_REGION, 'property');
  await t.admin.query(
    `INSERT INTO public.bookings (tenant_id, id, node_id, label)
     SELECT $1, gen_random_uuid(), n.id, 'b' || i FROM tenantry.tenant_nodes n, generate_series(1, ${ROWS_PER_PROPERTY}) i WHERE cardinality(n.path) = 3`, [tenantId]);
  await t.admin.query('ANALYZE tenantry.tenant_nodes; ANALYZE public.bookings');
  const nodeCount = Number((await t.admin.query<{ n: string }>('SELECT count(*)::text AS n FROM tenantry.tenant_nodes')).rows[0]?.n);
  const region = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenant_nodes WHERE cardinality(path) = 2 ORDER BY id LIMIT 1')).rows[0]!.id;
  // Rows both members may read: those of the scoped member's region.
  const { rows: inside } = await t.admin.query<{ id: string; node_id: string }>(
    'SELECT b.id, b.node_id FROM public.bookings b JOIN tenantry.tenant_nodes n ON n.id = b.node_id WHERE n.path @> ARRAY[$1::uuid] ORDER BY b.id', [region]);
  const nodes = createTenantNodes();
  await t.db.transaction(tenantId, async (tx) => {
    await control.members.add(tx, { userId: 'whole', role: 'member' }, systemActor());
    await control.members.add(tx, { userId: 'scoped', role: 'member' }, systemActor());
    await nodes.grant(tx, 'scoped', region, 'user:bench');
  });

  let i = 0;
  const pointRead = (userId: string) => () => t.db.transaction(tenantId, async (tx) => {
    await enterMemberScope(tx, userId);
    const row = inside[(i += 1) % inside.length]!;
    const { rows } = await tx.query('SELECT label FROM public.bookings WHERE tenant_id = $1 AND id = $2', [tenantId, row.id]);
    if (rows.length !== 1) throw new Error(`${userId} did not see a row of its subtree`);
  });
  const nodeRead = (userId: string) => () => t.db.transaction(tenantId, async (tx) => {
    await enterMemberScope(tx, userId);
    const row = inside[(i += 1) % inside.length]!;
    const { rows } = await tx.query('SELECT id, label FROM public.bookings WHERE tenant_id = $1 AND node_id = $2', [tenantId, row.node_id]);
    if (rows.length !== ROWS_PER_PROPERTY) throw new Error(`${userId} saw ${rows.length} rows of a property`);
  });
  // Warm both paths (plans, buffers) before measuring.
  await pairedRatio(CLIENTS, 400, pointRead('whole'), pointRead('scoped'));
  const point: number[] = [];
  const range: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    point.push((await pairedRatio(CLIENTS, SLICE_MS, pointRead('whole'), pointRead('scoped'))).ratio);
    range.push((await pairedRatio(CLIENTS, SLICE_MS, nodeRead('whole'), nodeRead('scoped'))).ratio);
  }
  console.log(`${nodeCount} nodes, ${inside.length} rows in the scoped member's subtree; ${CLIENTS} clients, ${ROUNDS} round(s) × ${SLICE_MS} ms`);
  console.log(`point read ratios: ${point.map((r) => r.toFixed(3)).join(' ')}; one property's rows: ${range.map((r) => r.toFixed(3)).join(' ')}`);
  console.log(JSON.stringify({ subtree_vs_tenant: Number(median(point).toFixed(3)), subtree_vs_tenant_node_rows: Number(median(range).toFixed(3)), nodes: nodeCount }));
} finally {
  await control.close();
  await t.close();
  await server.stop();
}
