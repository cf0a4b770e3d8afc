// bench/neighbour: what one tenant flooding the database with expensive queries does to 50 small
// tenants' latency. The small tenants send a cheap read at a steady rate (open loop: latency is
// measured from when a request was due, so a queue shows up in it); the flooder runs 24 workers
// back to back, each holding a connection for a slow statement. Reported: the small tenants'
// p99 with the flood ÷ without it, with fair admission (createFairAdmission, default cap of half
// the pool) and without it (the pool's own first-come queue), rounds ABBA-ordered, medians.
//   npm run bench -- neighbour            full: 3 rounds × 3 s per phase
//   npm run bench -- neighbour --smoke    CI: 1 round × 0.8 s per phase
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFairAdmission, createTenantDatabase, isolateTable, type TenantDatabase } from 'tenantry/postgres';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 3;
const PHASE_MS = smoke ? 800 : 3000;
const POOL = 8;
const SMALL = 50;
const RATE_PER_S = 200;
const FLOOD_WORKERS = 24;
// ~20 ms holding a connection, a little CPU: the flood's harm is mostly the connections it takes.
const EXPENSIVE = 'SELECT pg_sleep(0.02), count(*) FROM generate_series(1, 20000)';

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, appPoolSize: POOL });
try {
  await t.admin.query(`INSERT INTO tenantry.tenants (id, slug, display_name, status, plan)
    SELECT gen_random_uuid(), 'n-' || i, 'N ' || i, 'active', 'free' FROM generate_series(1, ${SMALL + 1}) i`);
  await t.admin.query('CREATE TABLE items (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('items', { admin: t.admin });
  await t.admin.query('INSERT INTO items (tenant_id, id) SELECT t.id, i FROM tenantry.tenants t, generate_series(1, 20) i');
  const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants ORDER BY slug')).rows.map((r) => r.id);
  const [flooder, ...small] = ids as [string, ...string[]];
  const fair = createTenantDatabase({ pool: t.app, admission: createFairAdmission({ capacity: POOL }) });
  const unfair = createTenantDatabase({ pool: t.app });

  /** Small tenants at RATE_PER_S for PHASE_MS; latencies from each request's due time. */
  async function steady(db: TenantDatabase): Promise<number[]> {
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let n = 0; ; n += 1) {
      const due = start + (n * 1000) / RATE_PER_S;
      if (due - start >= PHASE_MS) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const tenant = small[n % SMALL] as string;
      pending.push(db.withTenant(tenant, (s) => s.query('SELECT count(*) FROM items')).then(() => void latencies.push(performance.now() - due)));
    }
    await Promise.all(pending);
    return latencies;
  }

  async function withFlood<T>(db: TenantDatabase, fn: () => Promise<T>): Promise<T> {
    let stop = false;
    const workers = Array.from({ length: FLOOD_WORKERS }, async () => {
      while (!stop) await db.withTenant(flooder, (s) => s.query(EXPENSIVE)).catch(() => {});
    });
    try {
      return await fn();
    } finally {
      stop = true;
      await Promise.all(workers);
    }
  }

  const p99 = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] as number;
  };

  // Warm both paths (prepared statements, buffers).
  await steady(fair);
  await withFlood(unfair, () => sleep(200));

  const ratios = { fair: [] as number[], unfair: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    // ABBA: fair first in even rounds, unfair first in odd ones.
    const order = round % 2 === 0 ? (['fair', 'unfair'] as const) : (['unfair', 'fair'] as const);
    for (const mode of order) {
      const db = mode === 'fair' ? fair : unfair;
      const quiet = p99(await steady(db));
      const flooded = p99(await withFlood(db, () => steady(db)));
      ratios[mode].push(flooded / quiet);
      console.log(`${mode} round ${round + 1}: small tenants' p99 ${quiet.toFixed(2)} ms alone, ${flooded.toFixed(2)} ms with the flood (${(flooded / quiet).toFixed(2)}×)`);
    }
  }
  console.log(JSON.stringify({ p99_ratio_fair: Number(median(ratios.fair).toFixed(3)), p99_ratio_unfair: Number(median(ratios.unfair).toFixed(3)) }));
} finally {
  await t.close();
  await server.stop();
}
