// bench/registry: the tenant lookup of every request (registry.lookup, cached per instance while
// the change feed is live) with 100,000 tenants cached, against the same with 100. A cache hit
// is a Map read, so resolutions/s should not depend on how many tenants there are; the memory of
// the cached records is measured after a full GC. Also printed: how long creating the tenants
// takes in one INSERT … generate_series, and the miss path (an index lookup) at that size.
// Random lookups over 100,000 entries are bound by memory, not by the code: the same loop over a
// bare Map is measured beside it (map_100k_vs_100), and so is the whole per-request database
// path (lookup, then the tenant's gate and a read: request_100k_vs_100).
//   npm run bench -- registry            full: 100,000 tenants, 5 rounds × 1 s
//   npm run bench -- registry --smoke    CI: 20,000 tenants, 1 round × 0.3 s
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseTenantId, type TenantId } from 'tenantry';
import { createTenantRegistry } from 'tenantry/control';
import { memoryChangeFeed } from 'tenantry/redis';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const MANY = smoke ? 20_000 : 100_000;
const FEW = 100;
const ROUNDS = smoke ? 1 : 5;
const MS = smoke ? 300 : 1000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().rss;
};

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0, operatorPoolSize: 8 });
try {
  const started = performance.now();
  await t.admin.query(`INSERT INTO tenantry.tenants (id, slug, display_name, status, plan)
    SELECT gen_random_uuid(), 'r-' || i, 'Tenant ' || i, 'active', 'free' FROM generate_series(1, ${MANY}) i`);
  await t.admin.query('ANALYZE tenantry.tenants');
  const createS = (performance.now() - started) / 1000;
  const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants ORDER BY id')).rows.map((r) => parseTenantId(r.id));
  console.log(`created ${MANY} tenants in ${createS.toFixed(2)} s`);

  const registryWith = async (maxEntries: number) => {
    const registry = createTenantRegistry({ operator: t.operator, data: t.db, changeFeed: memoryChangeFeed(), cache: { maxEntries, maxAgeMs: 3_600_000 } });
    await registry.ready();
    return registry;
  };
  /** Loads `subset` into the cache, 8 misses at a time; returns the misses per second. */
  const fill = async (registry: Awaited<ReturnType<typeof registryWith>>, subset: readonly TenantId[]) => {
    const begin = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < subset.length) await registry.lookup.tryGet(subset[next++] as TenantId);
    }));
    return subset.length / ((performance.now() - begin) / 1000);
  };
  /** Cache hits per second over `subset`, in a tight loop of awaited lookups (the request path's shape). */
  const hits = async (registry: Awaited<ReturnType<typeof registryWith>>, subset: readonly TenantId[]) => {
    let n = 0;
    const end = performance.now() + MS;
    // Random order, so the 100,000-entry map is read beyond the CPU caches, as real traffic would.
    while (performance.now() < end) {
      for (let i = 0; i < 1000; i += 1) await registry.lookup.tryGet(subset[(Math.random() * subset.length) | 0] as TenantId);
      n += 1000;
    }
    return n / (MS / 1000);
  };

  const before = rssAfterGc();
  const many = await registryWith(MANY);
  const missesPerS = await fill(many, ids);
  const rssMbPer10k = ((rssAfterGc() - before) / 1024 / 1024) * (10_000 / MANY);
  const stats = many.lookupStats();
  console.log(`cache: ${stats.entries} entries of ${stats.maxEntries}; misses (index lookups at ${MANY} tenants): ${missesPerS.toFixed(0)}/s; ${rssMbPer10k.toFixed(2)} MB RSS per 10k cached`);
  const few = await registryWith(FEW);
  await fill(few, ids.slice(0, FEW));

  /** The same random-order loop over a bare Map holding the same records: the memory-bound floor. */
  const bareMap = (subset: readonly TenantId[]) => {
    const map = new Map(subset.map((id) => [id, { id }]));
    let n = 0;
    const end = performance.now() + MS;
    while (performance.now() < end) {
      for (let i = 0; i < 1000; i += 1) if (map.get(subset[(Math.random() * subset.length) | 0] as TenantId) === undefined) throw new Error('missing');
      n += 1000;
    }
    return n / (MS / 1000);
  };
  /** Requests per second of the database path a tenant route takes: lookup, then gate and a read, 8 at a time. */
  const requests = async (registry: Awaited<ReturnType<typeof registryWith>>, subset: readonly TenantId[]) => {
    let n = 0;
    const end = performance.now() + MS;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const tenant = await registry.lookup.tryGet(subset[(Math.random() * subset.length) | 0] as TenantId);
        await t.db.withTenant(tenant?.id as TenantId, (scope) => scope.query('SELECT 1'));
        n += 1;
      }
    }));
    return n / (MS / 1000);
  };
  const paired = async (label: string, measure: (subset: readonly TenantId[]) => number | Promise<number>) => {
    const out: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const small = round % 2 === 0 ? await measure(ids.slice(0, FEW)) : 0;
      const large = await measure(ids);
      const smallAfter = round % 2 === 0 ? small : await measure(ids.slice(0, FEW));
      out.push(large / smallAfter);
      console.log(`${label} round ${round + 1}: ${FEW} tenants ${smallAfter.toFixed(0)}/s, ${MANY} tenants ${large.toFixed(0)}/s (${(large / smallAfter).toFixed(3)})`);
    }
    return Number(median(out).toFixed(3));
  };
  const mapRatio = await paired('bare Map', bareMap);
  const requestRatio = await paired('lookup + gate + read', (subset) => requests(subset.length === FEW ? few : many, subset));

  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // ABBA: which size runs first alternates.
    const [a, b] = round % 2 === 0
      ? [await hits(few, ids.slice(0, FEW)), await hits(many, ids)]
      : [await hits(many, ids), await hits(few, ids.slice(0, FEW))].reverse() as [number, number];
    ratios.push(b / a);
    console.log(`round ${round + 1}: ${FEW} tenants ${(a / 1e6).toFixed(2)} M/s, ${MANY} tenants ${(b / 1e6).toFixed(2)} M/s (${(b / a).toFixed(3)})`);
  }
  const after = many.lookupStats();
  if (after.evictions !== 0 || after.entries !== MANY) throw new Error(`the ${MANY}-tenant cache evicted (${JSON.stringify(after)}): the ratio would measure misses`);
  await Promise.all([many.close(), few.close()]);
  console.log(JSON.stringify({
    resolve_100k_vs_100: Number(median(ratios).toFixed(3)), rss_mb_per_10k: Number(rssMbPer10k.toFixed(2)),
    map_100k_vs_100: mapRatio, request_100k_vs_100: requestRatio, tenants: MANY, create_s: Number(createS.toFixed(2)),
  }));
} finally {
  await t.close();
  await server.stop();
}
