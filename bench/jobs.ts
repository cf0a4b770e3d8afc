// bench/jobs: what carrying the tenant costs a background job. Jobs/s through Tenantry's
// context-carrying queue (enqueue inside a tenant's context: tenant captured into the job;
// worker: record validated, tenant checked active through a cached registry lookup, per-tenant
// cap, handler run inside runWithTenant) ÷ the same driver used directly, in the same run, on
// the same database / Redis, same concurrency (8 producers, 8 worker slots), jobs spread over
// 20 tenants, a handler that does nothing (so the ratio is the whole overhead):
//   pg-boss 10 direct: boss.send, and a worker loop of boss.fetch (as many as free slots) and
//     boss.complete per job (pg-boss's own `work` sleeps its polling interval between batches);
//   BullMQ direct: Queue.add and a Worker with concurrency 8.
// Each measure is a batch of N jobs from the first enqueue to the last job handled, in ABBA
// order (direct, tenantry, tenantry, direct) so that the machine's drift cancels; the median
// ratio over rounds is reported.
//   npm run bench -- jobs            full: 2,000 jobs per batch, 5 rounds
//   npm run bench -- jobs --smoke    CI: 50 jobs per batch, 1 round (proves it runs; the ratio is noise)
//   npm run bench -- jobs --jobs 500 --rounds 3    other sizes
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import PgBoss from 'pg-boss';
import { runWithTenant, type TenantId } from 'tenantry';
import { createJobQueue, type JobQueue } from 'tenantry/jobs';
import { bullMqBackend } from 'tenantry/jobs/bullmq';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';
import { cachedTenantLookup } from 'tenantry/resolve';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const arg = (flag: string) => { const at = process.argv.indexOf(flag); return at === -1 ? undefined : Number(process.argv[at + 1]); };
const N = arg('--jobs') ?? (smoke ? 50 : 2000);
const ROUNDS = arg('--rounds') ?? (smoke ? 1 : 5);
const PRODUCERS = 8;
const SLOTS = 8;
const run = randomBytes(4).toString('hex');

/** A pair of variants: each enqueues one job, and counts handled jobs. */
interface Variant {
  enqueue(tenant: TenantId, i: number): Promise<unknown>;
  handled(): number;
}

/** CPU time of this process per job in the last batch (µs): steadier than jobs/s on a busy machine. */
let lastCpuUs = 0;

async function batch(variant: Variant, tenants: readonly TenantId[]): Promise<number> {
  const target = variant.handled() + N;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    while (next < N) {
      const i = (next += 1);
      await variant.enqueue(tenants[i % tenants.length]!, i);
    }
  }));
  while (variant.handled() < target) await new Promise((resolve) => setTimeout(resolve, 2));
  const used = process.cpuUsage(cpu);
  lastCpuUs = (used.user + used.system) / N;
  return N / ((performance.now() - started) / 1000);
}

async function ratio(label: string, direct: Variant, tenantry: Variant, tenants: readonly TenantId[]): Promise<number> {
  // Warm-up (JIT, connections, the tenant cache), not measured.
  await batch(direct, tenants);
  await batch(tenantry, tenants);
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const d1 = await batch(direct, tenants);
    let cpuDirect = lastCpuUs;
    const t1 = await batch(tenantry, tenants);
    let cpuTenantry = lastCpuUs;
    const t2 = await batch(tenantry, tenants);
    cpuTenantry += lastCpuUs;
    const d2 = await batch(direct, tenants);
    cpuDirect += lastCpuUs;
    ratios.push((t1 + t2) / (d1 + d2));
    console.log(`${label} round ${round + 1}: direct ${((d1 + d2) / 2).toFixed(0)} jobs/s, tenantry ${((t1 + t2) / 2).toFixed(0)} jobs/s, ratio ${ratios.at(-1)!.toFixed(3)}; CPU of this process per job: direct ${(cpuDirect / 2).toFixed(0)} µs, tenantry ${(cpuTenantry / 2).toFixed(0)} µs`);
  }
  return median(ratios);
}

/** The same queue, one job definition, handler counting. */
function tenantryVariant(queue: JobQueue, name: string): Variant & { start(): Promise<void> } {
  let handled = 0;
  queue.define(name, { concurrency: SLOTS, retry: { limit: 1, delayMs: 0, backoff: false }, handler: () => { handled += 1; } });
  return {
    start: () => queue.start([name]),
    enqueue: (tenant, i) => runWithTenant(tenant, () => queue.enqueue(name, { i })),
    handled: () => handled,
  };
}

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 20 });
const tenants = t.tenants.map((tenant) => tenant.id);
const lookup = cachedTenantLookup(t.registry, { ttlMs: 5000 });
const result: { pgboss_ratio: number | null; bullmq_ratio: number | null } = { pgboss_ratio: null, bullmq_ratio: null };
try {
  // ---- pg-boss ----------------------------------------------------------------------------
  const schema = `pgboss_bench_${run}`;
  const boss = new PgBoss({ connectionString: t.url, schema, max: 10, schedule: false, supervise: false });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  const directName = 'bench-direct';
  await boss.createQueue(directName, { name: directName, retryLimit: 1 });
  let directHandled = 0;
  let stopping = false;
  let inFlight = 0;
  // pg-boss used directly, in the loop shape of Tenantry's backend: fetch as many as free slots.
  const directLoop = (async () => {
    while (!stopping) {
      const free = SLOTS - inFlight;
      const jobs = free > 0 ? await boss.fetch(directName, { batchSize: free }) : [];
      if (jobs.length === 0) { await new Promise((resolve) => setTimeout(resolve, 2)); continue; }
      for (const job of jobs) {
        inFlight += 1;
        void (async () => {
          directHandled += 1;
          await boss.complete(directName, job.id);
          inFlight -= 1;
        })();
      }
    }
  })();
  const pgQueue = createJobQueue({ backend: pgBossBackend({ boss, schema, pollIntervalMs: 2 }), tenants: lookup });
  const pgTenantry = tenantryVariant(pgQueue, 'bench-tenantry');
  await pgTenantry.start();
  result.pgboss_ratio = Number((await ratio('pg-boss', {
    enqueue: (_tenant, i) => boss.send(directName, { i }),
    handled: () => directHandled,
  }, pgTenantry, tenants)).toFixed(3));
  stopping = true;
  await directLoop;
  await pgQueue.stop();
  await boss.stop({ graceful: false, wait: true });

  // ---- BullMQ -----------------------------------------------------------------------------
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  const reachable = await probe.connect().then(() => true, () => false);
  if (!reachable) {
    probe.disconnect();
    console.log(`no Redis at ${new URL(redisUrl).host}: the BullMQ pair is skipped`);
  } else {
    const { hostname, port } = new URL(redisUrl);
    const connection = { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null };
    const prefix = `bench-jobs-${run}`;
    const directQueue = new Queue('bench-direct', { connection, prefix });
    let bullHandled = 0;
    const directWorker = new Worker('bench-direct', async () => { bullHandled += 1; }, { connection, prefix, concurrency: SLOTS });
    const jobOptions = { attempts: 2, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } };
    const bullQueue = createJobQueue({ backend: bullMqBackend({ connection, prefix }), tenants: lookup });
    const bullTenantry = tenantryVariant(bullQueue, 'bench-tenantry');
    await bullTenantry.start();
    result.bullmq_ratio = Number((await ratio('bullmq', {
      enqueue: (_tenant, i) => directQueue.add('bench-direct', { i }, jobOptions),
      handled: () => bullHandled,
    }, bullTenantry, tenants)).toFixed(3));
    await directWorker.close();
    await directQueue.close();
    await bullQueue.stop();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await probe.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await probe.unlink(...keys);
    } while (cursor !== '0');
    await probe.quit();
  }
} finally {
  await t.close();
  await server.stop();
}
console.log(JSON.stringify(result));
