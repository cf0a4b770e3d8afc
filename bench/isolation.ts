// bench/isolation: throughput of RLS-scoped point reads through withTenant ÷ the same reads
// with an explicit `WHERE tenant_id = $1` on a table without RLS, on one app-role pool with
// the same data, for 1 and 8 concurrent clients and requests of 1 and 5 queries.
// Variants run alternately in rounds and the median ratio is reported (the machine is noisy).
// of_limit_8c: withTenant ÷ the physical limit of the tenant path, measured in the same run: the
// same read on the same RLS table with only `SELECT set_config('app.tenant_id', $1, true)`
// pipelined before it (one write, one implicit transaction: the shape withTenant sends), with
// no gate at all. Nothing that checks the tenant's status can be cheaper than that.
// pgbouncer_read_8c: the 8-client read through a PgBouncer (transaction mode) this run starts,
// both sides through it with preparedStatements 'off'; null where no pgbouncer binary exists.
// Both tables and their indexes fit shared_buffers (printed at start) and are loaded into it
// with pg_prewarm, then every variant is warmed by requests, so no side reads from disk.
//   npm run bench -- isolation            full: 1,000 tenants × 200 rows, 7 rounds × 2 s
//   npm run bench -- isolation --smoke    CI: 50 tenants × 100 rows, 1 round × 0.3 s
//   npm run bench -- isolation --cpu-only only the backend CPU per request of each variant
import { createTenantDatabase, DEFAULT_ROLE_NAMES, type SqlConnection } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { pgbouncerBinary, startPgBouncer } from '../tests/support/pgbouncer.js';
import { readFile } from 'node:fs/promises';
import { benchServer, median, pairedRatio, throughput } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 50 : 1000;
// 200 rows per tenant: both tables with their indexes (≈ 2 × 20 MB) fit a default 128 MB shared_buffers.
const ROWS = smoke ? 100 : 200;
const ROUNDS = smoke ? 1 : 7;
const MS = smoke ? 300 : 2000;
const POOL = 8;

const server = await benchServer();
const { t, pickTenant: pick, pickRow: row } = await isolationFixture(server, TENANTS, ROWS, POOL);
try {
  const plain = (queries: number) => async () => {
    const tenant = pick();
    const c: SqlConnection = await t.app.connect();
    try {
      for (let q = 0; q < queries; q += 1) await c.query('SELECT id, name, qty FROM items_plain WHERE tenant_id = $1 AND id = $2', [tenant, row()]);
    } finally {
      c.release();
    }
  };
  // The physical limit: the tenant set transaction-locally by one plain statement pipelined
  // before each read (as withTenant sends its gate), RLS on, nothing else.
  const setTenantOnly = (tenant: string) => ({ name: 'bench_limit_set_tenant', text: "SELECT set_config('app.tenant_id', $1, true)", values: [tenant] });
  const limit = (queries: number) => async () => {
    const tenant = pick();
    const c: SqlConnection = await t.app.connect();
    try {
      for (let q = 0; q < queries; q += 1) await c.queryAfter([setTenantOnly(tenant)], 'SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    } finally {
      c.release();
    }
  };
  const rls = (queries: number) => () =>
    t.db.withTenant(pick(), async (scope) => {
      for (let q = 0; q < queries; q += 1) await scope.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    });
  // The same reads as one explicit transaction (BEGIN … COMMIT): reported beside, not in, the result.
  const rlsTx = (queries: number) => () =>
    t.db.transaction(pick(), async (tx) => {
      for (let q = 0; q < queries; q += 1) await tx.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    });

  // The gate before migration 0012, for the CPU breakdown: tenantry.enter_tenant (plpgsql:
  // shared lifecycle lock, set_config, status lookup through SPI), which 0012 keeps in place.
  const oldGate = (tenant: string) => ({ name: 'bench_old_gate', text: "SELECT tenantry.enter_tenant($1::uuid, 'work')", values: [tenant] });
  // The gate since 0012 sent the same raw way (the statement withTenant sends, copied here: the
  // bench uses the library through its exports only), so the two gates compare server-side.
  const newGate = (tenant: string) => ({
    name: 'bench_new_gate',
    text: `SELECT COALESCE(
    (SELECT CASE WHEN t.status = 'active' AND pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN true
                 ELSE tenantry.refuse_tenant(t.status, $2::text) END
       FROM tenantry.tenants t WHERE t.id = entered.tenant::uuid),
    tenantry.refuse_tenant(NULL, $2::text)) AS admitted
  FROM (SELECT pg_catalog.set_config('app.tenant_id', $1::text, true) AS tenant OFFSET 0) AS entered`,
    values: [tenant, 'work'],
  });
  const rawWith = (preamble: (tenant: string) => { name: string; text: string; values: unknown[] }) => async () => {
    const c: SqlConnection = await t.app.connect();
    try {
      await c.queryAfter([preamble(pick())], 'SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    } finally {
      c.release();
    }
  };
  const withOldGate = rawWith(oldGate);
  const withNewGate = rawWith(newGate);

  /**
   * Backend CPU per request (user + system time of the app pool's server processes, from
   * /proc, ÷ requests) for each variant of the 8-client read: unlike throughput, it hardly moves
   * when other work shares the machine. Only where the server runs on this machine.
   */
  async function backendCpu(): Promise<void> {
    const { rows } = await t.admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = $1`,
      [DEFAULT_ROLE_NAMES.app],
    );
    const ticks = async () => {
      let sum = 0;
      for (const { pid } of rows) {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        sum += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
      }
      return sum;
    };
    const readable = await ticks().then(() => rows.length > 0, () => false);
    if (!readable) {
      console.log('backend CPU per request: the server does not run on this machine (no /proc of its backends): skipped');
      return;
    }
    const REQUESTS = smoke ? 400 : 8000;
    const variants: [string, () => Promise<unknown>][] = [
      ['plain', plain(1)],
      ['limit (set_config only)', limit(1)],
      ['withTenant (gate since 0012)', rls(1)],
      ['gate since 0012, raw', withNewGate],
      ['gate before 0012 (enter_tenant), raw', withOldGate],
    ];
    for (const warm of [withOldGate, withNewGate]) await throughput(8, smoke ? 100 : 1000, warm);
    const perRequest = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    for (let round = 0; round < (smoke ? 1 : 3); round += 1) {
      for (const [name, request] of variants) {
        const before = await ticks();
        let left = REQUESTS;
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (left > 0) {
            left -= 1;
            await request();
          }
        }));
        // Clock ticks are 10 ms (USER_HZ 100): µs per request = ticks × 10,000 ÷ requests.
        perRequest.get(name)?.push(((await ticks()) - before) * 10_000 / REQUESTS);
      }
    }
    const plainCpu = median(perRequest.get('plain') ?? []);
    console.log(`backend CPU per request, 8 clients, 1 query (µs, median of ${smoke ? 1 : 3} rounds of ${REQUESTS}; inflated and noisy when the machine is busy):`);
    for (const [name] of variants) {
      const cpu = median(perRequest.get(name) ?? []);
      console.log(`  ${name.padEnd(34)} ${cpu.toFixed(1).padStart(6)}  (+${(cpu - plainCpu).toFixed(1)} over plain, plain ÷ it ${(plainCpu / cpu).toFixed(3)})`);
    }
  }

  /**
   * Says how big both tables are beside shared_buffers and loads them with their indexes into
   * it (pg_prewarm), so neither side of a ratio pays for a read the other got from the cache.
   */
  async function cacheBothTables(): Promise<void> {
    const { rows: sizes } = await t.admin.query<{ name: string; bytes: string }>(
      `SELECT relname AS name, pg_total_relation_size(oid)::text AS bytes FROM pg_class WHERE relname IN ('items_rls', 'items_plain') ORDER BY relname`,
    );
    const { rows: [buffers] } = await t.admin.query<{ bytes: string }>(`SELECT (setting::bigint * 8192)::text AS bytes FROM pg_settings WHERE name = 'shared_buffers'`);
    const mb = (bytes: string | undefined) => `${(Number(bytes) / 2 ** 20).toFixed(1)} MB`;
    const total = sizes.reduce((sum, r) => sum + Number(r.bytes), 0);
    console.log(`tables with indexes: ${sizes.map((r) => `${r.name} ${mb(r.bytes)}`).join(', ')}; shared_buffers ${mb(buffers?.bytes)}${total < Number(buffers?.bytes) ? ' (both fit)' : ' (DO NOT fit: the buffer cache is cold on both sides)'}`);
    const prewarmed = await t.admin.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm').then(
      async () => {
        await t.admin.query(`SELECT pg_prewarm(c.oid) FROM pg_class c WHERE c.relname IN ('items_rls', 'items_plain', 'items_rls_pkey', 'items_plain_pkey', 'tenants', 'tenants_pkey')`);
        return true;
      },
      () => false,
    );
    console.log(prewarmed ? 'both tables, their indexes and the tenant registry prewarmed into shared_buffers (pg_prewarm), then every variant warmed by requests' : 'pg_prewarm unavailable: every variant warmed by requests only');
  }

  /**
   * rls_read_8c through a PgBouncer in transaction mode started for this run (Debian's 1.18:
   * both sides with `preparedStatements: 'off'`, as they must be there), 8 server connections;
   * null without a pgbouncer binary.
   */
  async function throughPgBouncer(): Promise<number | null> {
    if (!pgbouncerBinary()) {
      console.log('pgbouncer_read_8c: no pgbouncer binary (apt-get install pgbouncer): skipped');
      return null;
    }
    const bouncer = await startPgBouncer({ serverUrl: t.url, poolSize: POOL, users: { [DEFAULT_ROLE_NAMES.app]: server.rolePasswords.app } });
    const pool = pgPool({ connectionString: bouncer.through(t.appUrl), max: POOL }, { preparedStatements: 'off' });
    try {
      const db = createTenantDatabase({ pool });
      const plainThrough = async () => {
        const tenant = pick();
        const c = await pool.connect();
        try {
          await c.query('SELECT id, name, qty FROM items_plain WHERE tenant_id = $1 AND id = $2', [tenant, row()]);
        } finally {
          c.release();
        }
      };
      const rlsThrough = () => db.withTenant(pick(), (scope) => scope.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]));
      await throughput(8, smoke ? 200 : 2000, plainThrough);
      await throughput(8, smoke ? 200 : 2000, rlsThrough);
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const r = await pairedRatio(8, MS, plainThrough, rlsThrough);
        ratios.push(r.ratio);
        console.log(`pgbouncer_read_8c round ${round + 1} (PgBouncer ${bouncer.version}, transaction mode): plain ${r.baseline.toFixed(0)} req/s, withTenant ${r.candidate.toFixed(0)} (${r.ratio.toFixed(3)})`);
      }
      return Number(median(ratios).toFixed(3));
    } finally {
      await pool.end();
      await bouncer.stop();
    }
  }

  const scenarios = [
    { key: 'rls_read_1c', clients: 1, queries: 1 },
    { key: 'rls_read_8c', clients: 8, queries: 1 },
    { key: 'rls_5q_8c', clients: 8, queries: 5 },
  ] as const;
  const result: Record<string, number | null> = {};
  const transactionResult: Record<string, number> = {};
  await cacheBothTables();
  if (process.argv.includes('--cpu-only')) {
    // Only the CPU breakdown (quick, and robust on a busy machine): no ratios, no JSON line.
    for (const warm of [plain(1), limit(1), rls(1)]) await throughput(8, smoke ? 200 : 3000, warm);
    await backendCpu();
  } else {
    // Warm every path (prepared statements on every pooled connection, buffer cache) first.
    for (const warm of [plain(1), limit(1), rls(1), rlsTx(1), withNewGate, withOldGate]) await throughput(8, smoke ? 200 : 3000, warm);
    for (const s of scenarios) {
      const ratios: number[] = [];
      const txRatios: number[] = [];
      const limitRatios: number[] = [];
      const ofLimit: number[] = [];
      const gateNowRatios: number[] = [];
      const gateBeforeRatios: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const scoped = await pairedRatio(s.clients, MS, plain(s.queries), rls(s.queries));
        const inTx = await pairedRatio(s.clients, MS, plain(s.queries), rlsTx(s.queries));
        ratios.push(scoped.ratio);
        txRatios.push(inTx.ratio);
        let line = `${s.key} round ${round + 1}: plain ${scoped.baseline.toFixed(0)} req/s, withTenant ${scoped.candidate.toFixed(0)} (${scoped.ratio.toFixed(3)}); transaction ${inTx.candidate.toFixed(0)} (${inTx.ratio.toFixed(3)})`;
        if (s.key === 'rls_read_8c') {
          // withTenant ÷ limit paired directly, and the limit ÷ plain beside it for the breakdown.
          const againstLimit = await pairedRatio(s.clients, MS, limit(s.queries), rls(s.queries));
          const limitOfPlain = await pairedRatio(s.clients, MS, plain(s.queries), limit(s.queries));
          // The gates alone, sent raw (no withTenant around them): since 0012 and before, ÷ limit.
          const gateNow = await pairedRatio(s.clients, MS, limit(s.queries), withNewGate);
          const gateBefore = await pairedRatio(s.clients, MS, limit(s.queries), withOldGate);
          ofLimit.push(againstLimit.ratio);
          limitRatios.push(limitOfPlain.ratio);
          gateNowRatios.push(gateNow.ratio);
          gateBeforeRatios.push(gateBefore.ratio);
          line += `; limit ${againstLimit.baseline.toFixed(0)} (of plain ${limitOfPlain.ratio.toFixed(3)}), withTenant ÷ limit ${againstLimit.ratio.toFixed(3)}; raw gate ÷ limit: since 0012 ${gateNow.ratio.toFixed(3)}, before ${gateBefore.ratio.toFixed(3)}`;
        }
        console.log(line);
      }
      result[s.key] = Number(median(ratios).toFixed(3));
      transactionResult[s.key.replace('rls_', 'tx_')] = Number(median(txRatios).toFixed(3));
      if (ofLimit.length > 0) {
        result.of_limit_8c = Number(median(ofLimit).toFixed(3));
        console.log(`limit ÷ plain (8 clients, 1 query): ${median(limitRatios).toFixed(3)}`);
        console.log(`the gate statement alone, sent raw, ÷ limit (8 clients, 1 query): since 0012 ${median(gateNowRatios).toFixed(3)}, before 0012 (enter_tenant) ${median(gateBeforeRatios).toFixed(3)}`);
      }
    }
    console.log(`db.transaction (BEGIN … COMMIT) ÷ plain: ${JSON.stringify(transactionResult)}`);
    await backendCpu();
    result.pgbouncer_read_8c = await throughPgBouncer();
    const { rls_read_1c, rls_read_8c, rls_5q_8c, of_limit_8c, pgbouncer_read_8c } = result;
    console.log(JSON.stringify({ rls_read_1c, rls_read_8c, rls_5q_8c, of_limit_8c, pgbouncer_read_8c }));
  }
} finally {
  await t.close();
  await server.stop();
}
