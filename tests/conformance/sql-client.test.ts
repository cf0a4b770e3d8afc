// One suite for the SqlClient interface (packages/tenantry/src/postgres/sql-client.ts), run
// against every driver: pg (tenantry/postgres/pg) and postgres.js (tenantry/postgres/postgres-js).
// A new driver is added to DRIVERS and must pass all of it; Tenantry's tenant gate, scopes and
// transactions rely on exactly these behaviours.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { quoteIdentifier, toTenantryError, withDatabaseDeadline, type SqlPool } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { postgresJsPool } from 'tenantry/postgres/postgres-js';
import { codeOf, errorOf } from 'tenantry/testing';

interface Driver {
  readonly name: string;
  pool(connectionString: string, max: number): SqlPool;
}

export const DRIVERS: readonly Driver[] = [
  { name: 'pg', pool: (connectionString, max) => pgPool({ connectionString, max }) },
  { name: 'postgres.js', pool: (connectionString, max) => postgresJsPool({ connectionString, max }) },
];

const adminUrl = inject('adminUrl');
const database = `tenantry_sql_client_${randomBytes(4).toString('hex')}`;
let server: SqlPool;
let url: string;

beforeAll(async () => {
  server = DRIVERS[0]!.pool(adminUrl, 1);
  await server.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${database}`;
  url = parsed.toString();
});
afterAll(async () => {
  await server.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
  await server.end();
});

describe.each(DRIVERS)('SqlClient conformance: $name', (driver) => {
  let pool: SqlPool;
  let one: SqlPool; // a pool of one connection: what one checkout leaves behind, the next sees
  const table = `notes_${driver.name.replace(/\W/g, '_')}`;

  beforeAll(async () => {
    pool = driver.pool(url, 3);
    one = driver.pool(url, 1);
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, body text)`);
  });
  afterAll(async () => {
    await Promise.all([pool.end(), one.end()]);
  });

  it('answers rows and the row count of each kind of statement', async () => {
    expect(await pool.query(`INSERT INTO ${table} VALUES (1, 'a'), (2, 'b')`)).toMatchObject({ rowCount: 2 });
    expect(await pool.query(`UPDATE ${table} SET body = body || '!' WHERE id = $1`, [1])).toMatchObject({ rowCount: 1 });
    const selected = await pool.query<{ id: number; body: string }>(`SELECT id, body FROM ${table} ORDER BY id`);
    expect(selected).toEqual({ rows: [{ id: 1, body: 'a!' }, { id: 2, body: 'b' }], rowCount: 2 });
    expect(await pool.query(`DELETE FROM ${table}`)).toMatchObject({ rowCount: 2 });
  });

  it('binds values as parameters, never as SQL', async () => {
    const hostile = "x'); DROP TABLE notes; --\\ \"";
    const { rows } = await pool.query<{ v: string; n: number; b: boolean; j: unknown }>('SELECT $1::text AS v, $2::int AS n, $3::boolean AS b, $4::jsonb AS j', [hostile, 7, true, JSON.stringify({ a: [1] })]);
    expect(rows).toEqual([{ v: hostile, n: 7, b: true, j: { a: [1] } }]);
    expect((await pool.query<{ v: null }>('SELECT $1::text AS v', [null])).rows).toEqual([{ v: null }]);
  });

  it('follows the transaction status of a connection: idle, in a transaction, failed, idle again', async () => {
    const c = await pool.connect();
    try {
      expect(c.transactionStatus).toBe('idle');
      await c.query('BEGIN');
      expect(c.transactionStatus).toBe('in-transaction');
      await c.query('SELECT 1');
      expect(c.transactionStatus).toBe('in-transaction');
      expect(await codeOf(c.query('SELECT 1/0'))).toBe('22012');
      expect(c.transactionStatus).toBe('failed');
      await c.query('ROLLBACK');
      expect(c.transactionStatus).toBe('idle');
      expect(await codeOf(c.query('SELECT 1/0'))).toBe('22012'); // outside a transaction: still idle
      expect(c.transactionStatus).toBe('idle');
      await c.query('BEGIN');
      await c.query('COMMIT');
      expect(c.transactionStatus).toBe('idle');
    } finally {
      c.release();
    }
  });

  it('runs a preamble and the statement in one transaction, which ends with them', async () => {
    const c = await pool.connect();
    try {
      const preamble = [{ name: 'conformance_set', text: "SELECT set_config('tenantry.conformance', $1, true)", values: ['in force'] }];
      const { rows } = await c.queryAfter<{ v: string }>(preamble, "SELECT current_setting('tenantry.conformance') AS v");
      expect(rows).toEqual([{ v: 'in force' }]);
      expect(c.transactionStatus).toBe('idle');
      // Transaction-local: gone once that one transaction ended.
      expect((await c.query<{ v: string | null }>("SELECT nullif(current_setting('tenantry.conformance', true), '') AS v")).rows).toEqual([{ v: null }]);
    } finally {
      c.release();
    }
  });

  it('does not run the statement when a preamble statement fails, and throws that failure', async () => {
    const c = await pool.connect();
    try {
      const failing = [{ name: 'conformance_fail', text: 'SELECT 1/($1::int)', values: [0] }];
      expect(await codeOf(c.queryAfter(failing, `INSERT INTO ${table} VALUES (10, 'must not exist')`))).toBe('22012');
      expect(c.transactionStatus).toBe('idle');
      expect((await c.query(`SELECT 1 FROM ${table} WHERE id = 10`)).rowCount).toBe(0);
    } finally {
      c.release();
    }
  });

  it('leaves the transaction open when the preamble begins one', async () => {
    const c = await pool.connect();
    try {
      const begin = { name: 'conformance_begin', text: 'BEGIN', values: [] };
      await c.queryAfter([begin], `INSERT INTO ${table} VALUES (11, 'rolled back')`);
      expect(c.transactionStatus).toBe('in-transaction');
      await c.query('ROLLBACK');
      expect((await c.query(`SELECT 1 FROM ${table} WHERE id = 11`)).rowCount).toBe(0);
    } finally {
      c.release();
    }
  });

  it('never hands the next checkout what a released connection left open', async () => {
    const first = await one.connect();
    await first.query('BEGIN');
    await first.query(`INSERT INTO ${table} VALUES (12, 'uncommitted')`);
    await first.query("SELECT set_config('tenantry.conformance', 'leaked', true)");
    first.release(new Error('released inside a transaction'));
    const next = await one.connect();
    try {
      expect(next.transactionStatus).toBe('idle');
      const { rows } = await next.query<{ v: string | null; n: number }>(
        `SELECT nullif(current_setting('tenantry.conformance', true), '') AS v, (SELECT count(*)::int FROM ${table} WHERE id = 12) AS n`,
      );
      expect(rows).toEqual([{ v: null, n: 0 }]);
    } finally {
      next.release();
    }
  });

  it('queues checkouts beyond the pool size until a connection comes back', async () => {
    const held = await one.connect();
    let second = false;
    const waiting = one.connect().then((c) => { second = true; return c; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second).toBe(false);
    held.release();
    (await waiting).release();
    expect(second).toBe(true);
  });

  it('throws errors Tenantry maps to stable codes', async () => {
    await pool.query(`INSERT INTO ${table} VALUES (20, 'x')`);
    expect(toTenantryError(await errorOf(pool.query(`INSERT INTO ${table} VALUES ($1, 'y')`, [20]))).code).toBe('UNIQUE_VIOLATION');
    const nowhere = driver.pool('postgres://postgres@127.0.0.1:1/postgres', 1);
    try {
      expect(toTenantryError(await errorOf(nowhere.query('SELECT 1'))).code).toBe('DATABASE_UNAVAILABLE');
    } finally {
      await nowhere.end().catch(() => {});
    }
  });

  it('abandons a statement at the deadline in context with DATABASE_TIMEOUT', async () => {
    const c = await pool.connect();
    let failure: unknown;
    try {
      const started = performance.now();
      failure = await withDatabaseDeadline(200, () => errorOf(c.query('SELECT pg_sleep(5)')));
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      c.release(failure as Error);
    }
    expect(toTenantryError(failure).code).toBe('DATABASE_TIMEOUT');
    expect((await pool.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]); // the pool still serves
  });
});
