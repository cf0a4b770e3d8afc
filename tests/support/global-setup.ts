// Once per test run: find the PostgreSQL server the suite uses (DATABASE_URL when it answers,
// otherwise an embedded one started here) and hand its address to every test file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from 'tenantry/postgres/embedded';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** PING over a raw socket: no client library needed, and a dead address fails within 2 s. */
async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Where the tests' clocks start unless TENANTRY_TEST_NOW says otherwise (scripts/test-at-instants.mjs). */
const DEFAULT_TEST_NOW = '2026-11-10T12:00:00.000Z';

function testNow(): string {
  const asked = process.env.TENANTRY_TEST_NOW;
  if (asked === undefined || asked === '') return DEFAULT_TEST_NOW;
  const ms = Date.parse(asked);
  if (!Number.isFinite(ms)) throw new Error(`TENANTRY_TEST_NOW=${asked} is not an ISO 8601 instant`);
  return new Date(ms).toISOString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('testNow', testNow());
  const redisUrl = process.env.REDIS_URL;
  const redisOk = redisUrl !== undefined && redisUrl !== '' && (await redisAnswers(redisUrl));
  if (redisUrl && !redisOk) console.warn(`[tenantry tests] REDIS_URL (${new URL(redisUrl).host}) does not answer: Redis tests skip`);
  if (!redisUrl) console.warn('[tenantry tests] no REDIS_URL: the Redis-backed cases skip (their in-process variants run)');
  project.provide('redisUrl', redisOk ? redisUrl : '');
  const configured = process.env.DATABASE_URL;
  if (configured && (await answers(configured))) {
    project.provide('adminUrl', configured);
    project.provide('rolePasswords', { app: `app-${randomBytes(9).toString('hex')}`, operator: `op-${randomBytes(9).toString('hex')}` });
    return async () => {};
  }
  console.warn(`[tenantry tests] ${configured ? `DATABASE_URL (${new URL(configured).host}) does not answer` : 'no DATABASE_URL'}: starting an embedded PostgreSQL`);
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir });
  project.provide('adminUrl', server.url);
  project.provide('rolePasswords', server.rolePasswords);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
