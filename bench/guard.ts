// bench/guard: throughput of the isolation benchmark's workload (RLS point reads through
// withTenant, 8 clients, 1 and 5 queries per request) with the SQL guard on ÷ off, on one pool
// with the same data. The guard parses each distinct statement once and caches the verdict.
//   npm run bench -- guard            full: 1,000 tenants × 1,000 rows, 7 rounds × 2 s
//   npm run bench -- guard --smoke    CI: 50 tenants × 100 rows, 1 round × 0.3 s
import { createTenantDatabase, type TenantDatabase } from 'tenantry/postgres';
import { benchServer, median, pairedRatio, throughput } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 7;
const MS = smoke ? 300 : 2000;

const server = await benchServer();
const { t, pickTenant, pickRow } = await isolationFixture(server, smoke ? 50 : 1000, smoke ? 100 : 1000, 8);
try {
  const guarded = createTenantDatabase({ pool: t.app, sqlGuard: 'enforce' });
  const unguarded = createTenantDatabase({ pool: t.app, sqlGuard: 'off' });
  const reads = (db: TenantDatabase, queries: number) => () =>
    db.withTenant(pickTenant(), async (scope) => {
      for (let q = 0; q < queries; q += 1) await scope.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [pickRow()]);
    });
  await throughput(8, smoke ? 200 : 3000, reads(guarded, 1));
  await throughput(8, smoke ? 200 : 3000, reads(unguarded, 1));
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const queries of [1, 5]) {
      const r = await pairedRatio(8, MS, reads(unguarded, queries), reads(guarded, queries));
      ratios.push(r.ratio);
      console.log(`round ${round + 1}, ${queries} quer${queries === 1 ? 'y' : 'ies'}/request: off ${r.baseline.toFixed(0)} req/s, on ${r.candidate.toFixed(0)} req/s, ratio ${r.ratio.toFixed(3)}`);
    }
  }
  console.log(JSON.stringify({ guard_on_off: Number(median(ratios).toFixed(3)) }));
} finally {
  await t.close();
  await server.stop();
}
