// bench/settings: cached tenant-settings reads per second ÷ lookups in a plain in-process Map of
// the same values, measured side by side: each round alternates 40 short chunks of each (Map,
// cache, cache, Map …) and sums each side's time; the median ratio of the rounds is reported. The cached read is the hot path an application calls: `settings.peek(id)`, a
// synchronous hit (a miss would fall back to `await settings.get(id)`; misses are counted, and
// must be 0 after warming). The promise-returning `get()` hit path is reported beside it.
//   npm run bench -- settings            full: 1,000 tenants, 9 rounds × 2,000,000 reads
//   npm run bench -- settings --smoke    CI: 50 tenants, 3 rounds × 100,000 reads in 10 chunks
import { Type } from '@sinclair/typebox';
import { createTenantSettings, systemActor } from 'tenantry/control';
import { memoryChangeFeed } from 'tenantry/redis';
import { createTestTenantry } from 'tenantry/testing';
import { benchServer, median } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 50 : 1000;
const ROUNDS = smoke ? 3 : 9;
const READS = smoke ? 100_000 : 2_000_000;
const ASYNC_READS = smoke ? 20_000 : 300_000;
const CHUNKS = smoke ? 10 : 40;

const Schema = Type.Object({
  timezone: Type.String({ default: 'UTC' }),
  locale: Type.String({ default: 'en-US' }),
  seats: Type.Integer({ minimum: 1, default: 5 }),
});

const server = await benchServer();
const t = await createTestTenantry({ adminUrl: server.adminUrl, rolePasswords: server.rolePasswords, tenants: 0 });
try {
  await t.admin.query(`INSERT INTO tenantry.tenants (id, slug, display_name, status)
    SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'active' FROM generate_series(1, ${TENANTS}) i`);
  const ids = (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants ORDER BY random()')).rows.map((r) => r.id);
  const settings = createTenantSettings({ db: t.db, schema: Schema, feed: memoryChangeFeed() });
  await settings.ready();
  // Some tenants chose values, the rest read defaults: both kinds are in the cache.
  for (const [i, id] of ids.entries()) if (i % 3 === 0) await settings.update(id, { seats: 1 + (i % 50) }, systemActor('bench'));
  const plain = new Map<string, Readonly<Record<string, unknown>>>();
  for (const id of ids) plain.set(id, await settings.get(id));

  // A read pattern both sides share: a pseudo-random walk over the tenants (no cache-friendly order).
  const order = Array.from({ length: 4096 }, (_, i) => ids[(i * 7919) % ids.length] as string);
  let sink = 0;
  let misses = 0;

  // Each side runs a chunk and returns its nanoseconds; a round alternates many short chunks
  // (Map, cache, cache, Map …) so that a noisy neighbour hits both sides alike.
  const mapChunk = (n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      const values = plain.get(order[i & 4095] as string);
      if (values !== undefined) sink += values.seats as number;
    }
    return Number(process.hrtime.bigint() - start);
  };
  const cacheChunk = (n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) {
      const values = settings.peek(order[i & 4095] as string);
      if (values !== undefined) sink += values.seats;
      else misses += 1;
    }
    return Number(process.hrtime.bigint() - start);
  };
  /** Reads per second of each side over one round of CHUNKS alternations. */
  const pairedRound = (reads: number) => {
    const chunk = Math.max(1000, Math.floor(reads / CHUNKS / 2));
    let mapNs = 0;
    let cacheNs = 0;
    for (let c = 0; c < CHUNKS; c += 1) {
      if (c % 2 === 0) { mapNs += mapChunk(chunk); cacheNs += cacheChunk(chunk); }
      else { cacheNs += cacheChunk(chunk); mapNs += mapChunk(chunk); }
    }
    const n = chunk * CHUNKS;
    return { map: n / (mapNs / 1e9), cache: n / (cacheNs / 1e9) };
  };
  const asyncRound = async (n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) sink += (await settings.get(order[i & 4095] as string)).seats;
    return n / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const asyncMapRound = async (n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) sink += (await Promise.resolve(plain.get(order[i & 4095] as string)))?.seats as number;
    return n / (Number(process.hrtime.bigint() - start) / 1e9);
  };

  // Warm-up: let the JIT optimize both loops before anything is measured.
  for (let i = 0; i < 3; i += 1) pairedRound(READS / 4);
  const ratios: number[] = [];
  const asyncRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const { map, cache } = pairedRound(READS);
    const ratio = cache / map;
    ratios.push(ratio);
    const am1 = await asyncMapRound(ASYNC_READS / 2);
    const a1 = await asyncRound(ASYNC_READS / 2);
    const a2 = await asyncRound(ASYNC_READS / 2);
    const am2 = await asyncMapRound(ASYNC_READS / 2);
    asyncRatios.push((a1 + a2) / (am1 + am2));
    console.log(`round ${round + 1}: Map ${(map / 1e6).toFixed(1)} M reads/s, cache peek ${(cache / 1e6).toFixed(1)} M (${ratio.toFixed(3)}); `
      + `async get ${((a1 + a2) / 2 / 1e6).toFixed(2)} M vs awaited Map ${((am1 + am2) / 2 / 1e6).toFixed(2)} M`);
  }
  if (misses > 0) throw new Error(`${misses} cache misses after warming: the benchmark measured the wrong path`);
  console.log(`async get() hit ÷ awaited Map lookup: ${median(asyncRatios).toFixed(3)} (checksum ${sink % 1000})`);
  await settings.close();
  console.log(JSON.stringify({ cached_vs_map: Number(median(ratios).toFixed(3)), async_get_vs_awaited_map: Number(median(asyncRatios).toFixed(3)) }));
} finally {
  await t.close();
  await server.stop();
}
