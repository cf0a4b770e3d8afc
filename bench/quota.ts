// bench/quota: what a quota check costs inside a tenant's write transaction. Baseline: a
// transaction that inserts one row. Candidates, each ÷ baseline: the same transaction plus
// `quotas.consume(tx, 'apiCalls', 1)` (spread over many tenants, and all clients on one tenant,
// where every check waits for the meter row's lock), and `recordUsage` of one event on its own.
// Variants run ABBA-paired in rounds and the median ratio is reported (the machine is noisy).
//   npm run bench -- quota            full: 200 tenants, 8 clients, 5 rounds × 2 s
//   npm run bench -- quota --smoke    CI: 20 tenants, 1 round × 0.3 s
import { randomUUID } from 'node:crypto';
import { isolateTable } from 'tenantry/postgres';
import { createQuotas, definePlanCatalog } from 'tenantry/quota';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median, pairedRatio, throughput } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 20 : 200;
const ROUNDS = smoke ? 1 : 5;
const MS = smoke ? 300 : 2000;
const CLIENTS = 8;

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: CLIENTS });
try {
  await t.admin.query(`
    INSERT INTO tenantry.tenants (id, slug, display_name, status, plan)
    SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'active', 'bench' FROM generate_series(1, ${TENANTS}) i`);
  await t.admin.query('CREATE TABLE writes (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('writes', { admin: t.admin });
  const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants')).rows.map((r) => r.id);
  const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
  const hot = ids[0] as string;
  // A hard limit no run reaches: every check is the full conditional update, never a refusal.
  const quotas = createQuotas({
    catalog: definePlanCatalog({
      meters: { apiCalls: { kind: 'period', unit: 'requests' } },
      plans: { bench: { limits: { apiCalls: { hard: Number.MAX_SAFE_INTEGER, soft: Number.MAX_SAFE_INTEGER - 1 } }, price: { currency: 'EUR', baseMinor: 0 } } },
    }),
  });
  const insert = (tenant: string) => () => t.db.transaction(tenant, (tx) => tx.query('INSERT INTO writes (id) VALUES ($1)', [randomUUID()]));
  const insertChecked = (tenant: () => string) => () => {
    const id = tenant();
    return t.db.transaction(id, async (tx) => {
      await quotas.consume(tx, 'apiCalls', 1);
      await tx.query('INSERT INTO writes (id) VALUES ($1)', [randomUUID()]);
    });
  };
  const record = () => t.db.withTenant(pick(), (scope) => quotas.recordUsage(scope, [{ id: randomUUID(), meter: 'apiCalls', quantity: 1 }]));

  const scenarios = {
    consume_in_tx_8c: { baseline: () => insert(pick())(), candidate: insertChecked(pick) },
    consume_hot_tenant_8c: { baseline: () => insert(hot)(), candidate: insertChecked(() => hot) },
    record_usage_8c: { baseline: () => insert(pick())(), candidate: record },
  };
  // Warm every path (prepared statements, buffer cache, the meter rows) first.
  for (const s of Object.values(scenarios)) {
    await throughput(CLIENTS, smoke ? 200 : 2000, s.baseline);
    await throughput(CLIENTS, smoke ? 200 : 2000, s.candidate);
  }
  const result: Record<string, number> = {};
  for (const [key, s] of Object.entries(scenarios)) {
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const r = await pairedRatio(CLIENTS, MS, s.baseline, s.candidate);
      ratios.push(r.ratio);
      console.log(`${key} round ${round + 1}: baseline ${r.baseline.toFixed(0)} tx/s, candidate ${r.candidate.toFixed(0)} tx/s (${r.ratio.toFixed(3)})`);
    }
    result[key] = Number(median(ratios).toFixed(3));
  }
  console.log(JSON.stringify(result));
} finally {
  await t.close();
  await server.stop();
}
