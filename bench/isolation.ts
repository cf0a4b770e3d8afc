// bench/isolation: throughput of RLS-scoped point reads through withTenant ÷ the same reads
// with an explicit `WHERE tenant_id = $1` on a table without RLS, on one app-role pool with
// the same data, for 1 and 8 concurrent clients and requests of 1 and 5 queries.
// Variants run alternately in rounds and the median ratio is reported (the machine is noisy).
// pgbouncer_read_8c: the 8-client read through a PgBouncer (transaction mode) this run starts,
// both sides through it with preparedStatements 'off'; null where no pgbouncer binary exists.
//   npm run bench -- isolation            full: 1,000 tenants × 1,000 rows, 5 rounds × 2 s
//   npm run bench -- isolation --smoke    CI: 50 tenants × 100 rows, 1 round × 0.3 s
import { createTenantDatabase, DEFAULT_ROLE_NAMES, type SqlConnection } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { pgbouncerBinary, startPgBouncer } from '../tests/support/pgbouncer.js';
import { benchServer, median, pairedRatio, throughput } from './support/database.js';
import { isolationFixture } from './support/isolation-fixture.js';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 50 : 1000;
const ROWS = smoke ? 100 : 1000;
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
  const rls = (queries: number) => () =>
    t.db.withTenant(pick(), async (scope) => {
      for (let q = 0; q < queries; q += 1) await scope.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    });
  // The same reads as one explicit transaction (BEGIN … COMMIT): reported beside, not in, the result.
  const rlsTx = (queries: number) => () =>
    t.db.transaction(pick(), async (tx) => {
      for (let q = 0; q < queries; q += 1) await tx.query('SELECT id, name, qty FROM items_rls WHERE id = $1', [row()]);
    });

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
  // Warm both paths (prepared statements on every pooled connection, buffer cache) first.
  await throughput(8, smoke ? 200 : 3000, plain(1));
  await throughput(8, smoke ? 200 : 3000, rls(1));
  for (const s of scenarios) {
    const ratios: number[] = [];
    const txRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const scoped = await pairedRatio(s.clients, MS, plain(s.queries), rls(s.queries));
      const inTx = await pairedRatio(s.clients, MS, plain(s.queries), rlsTx(s.queries));
      ratios.push(scoped.ratio);
      txRatios.push(inTx.ratio);
      console.log(
        `${s.key} round ${round + 1}: plain ${scoped.baseline.toFixed(0)} req/s, withTenant ${scoped.candidate.toFixed(0)} (${scoped.ratio.toFixed(3)}); transaction ${inTx.candidate.toFixed(0)} (${inTx.ratio.toFixed(3)})`,
      );
    }
    result[s.key] = Number(median(ratios).toFixed(3));
    transactionResult[s.key.replace('rls_', 'tx_')] = Number(median(txRatios).toFixed(3));
  }
  console.log(`db.transaction (BEGIN … COMMIT) ÷ plain: ${JSON.stringify(transactionResult)}`);
  result.pgbouncer_read_8c = await throughPgBouncer();
  console.log(JSON.stringify(result));
} finally {
  await t.close();
  await server.stop();
}
