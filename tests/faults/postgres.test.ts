// Fault injection into a real PostgreSQL under a real server process: a fast restart, backends
// terminated mid-request and the postmaster killed with SIGKILL, each during load. For each the
// server stays up, a failed request is a retryable problem (503, Retry-After, problem+json),
// the server recovers without a restart, no acknowledged write is lost and no answer carries
// another tenant's data. The suite runs its own PostgreSQL (never the shared one).
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from 'tenantry/postgres/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, runCli, startCli, type RunningCli } from '../e2e/support/cli.js';

const SECRET = 'faults-suite-secret-of-at-least-32-bytes';
const TENANTS = 6;
const LOOPS = 24;

interface Outcome {
  readonly status: number;
  readonly contentType: string;
  readonly retryAfter: string | null;
  readonly code?: string;
}

let dir: string;
let postgres: EmbeddedPostgres;
let server: RunningCli;
let url: string;
let tenants: { prefix: string; token: string }[] = [];
const tenantIds: string[] = [];
let operatorToken: string;
const acknowledged: { prefix: string; userId: string }[] = [];
let writes = 0;

async function restartPostgres(): Promise<void> {
  postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: postgres.port });
}

function serverEnv(): Record<string, string> {
  return {
    DATABASE_URL: postgres.url, TENANTRY_APP_PASSWORD: postgres.rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: postgres.rolePasswords.operator,
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
    TENANTRY_JWT_SECRET: SECRET, TENANTRY_JWT_ISSUER: 'faults', TENANTRY_JWT_AUDIENCE: 'faults',
    RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_BURST: '1000000',
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantry-faults-'));
  await chmod(dir, 0o711); // as root, the `postgres` account runs the cluster and must pass through
  postgres = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') });
  const created = await runCli(['operators', 'create', '--name', 'Faults', '--email', 'faults@test.example', '--json'], serverEnv());
  expect(created.code, created.stderr).toBe(0);
  operatorToken = (JSON.parse(created.stdout) as { token: string }).token;

  server = startCli(['start'], serverEnv(), 600_000);
  url = await pollUntil(async () => {
    const line = server.stdout().split('\n').find((l) => l.includes('tenantry listening'));
    return line ? (JSON.parse(line) as { url: string }).url : undefined;
  }, 60_000, `the listening line (stderr: ${server.stderr()})`);

  const key = new TextEncoder().encode(SECRET);
  tenants = await Promise.all(Array.from({ length: TENANTS }, async (_, i) => {
    const prefix = `f${i}.`;
    const response = await fetch(`${url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: `faults-${i}`, plan: 'enterprise', owner: { userId: `${prefix}owner` } }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    tenantIds[i] = id;
    const token = await new SignJWT({ tenant_id: id }).setSubject(`${prefix}owner`).setProtectedHeader({ alg: 'HS256' })
      .setIssuer('faults').setAudience('faults').setExpirationTime('1h').sign(key);
    return { prefix, token };
  }));
}, 180_000);

afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited.catch(() => undefined);
  }
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One request of the load: a member added (acknowledged on 201) or the member list read and checked. */
async function oneRequest(outcomes: Outcome[], crossTenant: string[]): Promise<void> {
  const tenant = tenants[Math.floor(Math.random() * tenants.length)] as { prefix: string; token: string };
  const write = Math.random() < 0.3;
  const userId = `${tenant.prefix}w${(writes += 1)}`;
  let response: Response;
  try {
    response = await fetch(`${url}/v1/tenant/members`, {
      method: write ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${tenant.token}`, ...(write ? { 'content-type': 'application/json' } : {}) },
      ...(write ? { body: JSON.stringify({ userId, role: 'viewer' }) } : {}),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    outcomes.push({ status: 0, contentType: '', retryAfter: null, code: String((err as Error).message) });
    return;
  }
  const body = (await response.json().catch(() => ({}))) as { items?: { userId: string }[]; code?: string };
  const outcome = { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), ...(body.code ? { code: body.code } : {}) };
  outcomes.push(outcome);
  if (write && response.status === 201) acknowledged.push({ prefix: tenant.prefix, userId });
  for (const item of body.items ?? []) if (!item.userId.startsWith(tenant.prefix)) crossTenant.push(item.userId);
}

/** Runs the load while `fault` happens, then until a full round of requests succeeds again. */
async function underLoad(fault: () => Promise<void>): Promise<{ outcomes: Outcome[]; crossTenant: string[] }> {
  const outcomes: Outcome[] = [];
  const crossTenant: string[] = [];
  let stop = false;
  const loops = Array.from({ length: LOOPS }, async () => {
    while (!stop) await oneRequest(outcomes, crossTenant);
  });
  await pollUntil(async () => (outcomes.length >= LOOPS * 3 ? true : undefined), 30_000, 'the load to get going');
  await fault();
  // Recovery without a restart of the server: every tenant answers again.
  let lastAnswers: string[] = [];
  await pollUntil(async () => {
    lastAnswers = await Promise.all(tenants.map(async (t) => {
      const response = await fetch(`${url}/v1/tenant/members`, { headers: { authorization: `Bearer ${t.token}` } });
      return response.status === 200 ? '200' : `${response.status} ${await response.text()}`;
    }));
    return lastAnswers.every((a) => a === '200') ? true : undefined;
  }, 30_000, 'every tenant to answer 200 again').catch(async (err: Error) => {
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, (e: Error) => e.message);
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const activity = (await admin.query("SELECT usename, state, wait_event, left(query, 80) AS query FROM pg_stat_activity WHERE usename LIKE 'tenantry%'")).rows;
    await admin.end();
    throw new Error(`${err.message}; last answers: ${lastAnswers.join(' | ')}; readyz ${ready}; activity ${JSON.stringify(activity)}; server exit ${server.child.exitCode}\nserver stderr: ${server.stderr().slice(-3000)}\nserver log: ${server.stdout().slice(-3000)}`);
  });
  stop = true;
  await Promise.all(loops);
  return { outcomes, crossTenant };
}

function expectOnlyRetryableFailures(outcomes: readonly Outcome[]): void {
  const failures = outcomes.filter((o) => o.status !== 200 && o.status !== 201);
  for (const failure of failures) {
    expect(failure, JSON.stringify(failure)).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(failure.contentType).toMatch(/^application\/problem\+json/);
    expect(Number(failure.retryAfter)).toBeGreaterThan(0);
  }
}

async function expectNothingLost(): Promise<void> {
  for (const tenant of tenants) {
    const response = await fetch(`${url}/v1/tenant/members`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(response.status).toBe(200);
    const seen = ((await response.json()) as { items: { userId: string }[] }).items.map((m) => m.userId);
    expect(seen.filter((id) => !id.startsWith(tenant.prefix))).toEqual([]);
    const mine = acknowledged.filter((a) => a.prefix === tenant.prefix).map((a) => a.userId);
    expect(mine.filter((id) => !seen.includes(id))).toEqual([]);
  }
}

async function postmasterPid(): Promise<number> {
  return Number((await readFile(join(postgres.dataDir, 'cluster', 'postmaster.pid'), 'utf8')).split('\n', 1)[0]);
}

describe('tenant requests under PostgreSQL faults during load: no answer carries another tenant\'s data', () => {
  it('survives a fast restart of PostgreSQL', async () => {
    const { outcomes, crossTenant } = await underLoad(async () => {
      await postgres.stop();
      await restartPostgres();
    });
    expect(server.child.exitCode, server.stderr()).toBeNull();
    expect(crossTenant).toEqual([]);
    expectOnlyRetryableFailures(outcomes);
    await expectNothingLost();
  });

  it('survives its backends being terminated mid-request', async () => {
    const { outcomes, crossTenant } = await underLoad(async () => {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      try {
        for (let round = 0; round < 5; round += 1) {
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN ('tenantry_app', 'tenantry_operator') AND pid <> pg_backend_pid()");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await admin.end();
      }
    });
    expect(server.child.exitCode, server.stderr()).toBeNull();
    expect(crossTenant).toEqual([]);
    expectOnlyRetryableFailures(outcomes);
    await expectNothingLost();
  });

  it('survives the postmaster killed with SIGKILL, and recovers once PostgreSQL is back', async () => {
    const { outcomes, crossTenant } = await underLoad(async () => {
      process.kill(await postmasterPid(), 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The killed postmaster's backends end when they notice; the cluster starts again (crash recovery).
      await restartPostgres();
    });
    expect(server.child.exitCode, server.stderr()).toBeNull();
    expect(crossTenant).toEqual([]);
    expectOnlyRetryableFailures(outcomes);
    await expectNothingLost();
  });
});

// The app pool exhausted: a second server process over the same database, with an app pool of
// POOL_SIZE connections and a short acquire timeout. An outside connection locks the member
// table and sleeps (pg_sleep), so the first POOL_SIZE member requests hold every pooled
// connection while they wait for the lock. Further requests must not queue without end: each
// gets a retryable 503 once the acquire timeout passes, while the first ones are still waiting.
// When the sleep ends (cancelled), the waiting requests finish, a write among them acknowledged
// and kept, and the server answers again without a restart.
const POOL_SIZE = 2;
const ACQUIRE_TIMEOUT_MS = 300;
const BEYOND_POOL = 6;

describe('tenant requests with the app pool exhausted by pg_sleep', () => {
  let small: RunningCli | undefined;
  afterAll(async () => {
    if (small?.child.exitCode === null) {
      small.child.kill('SIGTERM');
      await small.exited.catch(() => undefined);
    }
  });

  it('answers requests beyond the pool with 503 and Retry-After after the acquire timeout, and recovers once the sleep ends', async () => {
    small = startCli(['start'], {
      ...serverEnv(),
      TENANTRY_APP_POOL_SIZE: String(POOL_SIZE), TENANTRY_POOL_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      // The blocked requests outlast the test's waits; their deadline is not what is tested here.
      TENANTRY_TENANT_DEADLINE_MS: '60000',
    }, 600_000);
    const running = small;
    const smallUrl = await pollUntil(async () => {
      const line = running.stdout().split('\n').find((l) => l.includes('tenantry listening'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    }, 60_000, `the small-pool server to listen (stderr: ${running.stderr()})`);
    const request = async (tenant: { prefix: string; token: string }, userId?: string): Promise<Outcome> => {
      const response = await fetch(`${smallUrl}/v1/tenant/members`, {
        method: userId === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${tenant.token}`, ...(userId === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(userId === undefined ? {} : { body: JSON.stringify({ userId, role: 'viewer' }) }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json().catch(() => ({}))) as { code?: string };
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), ...(body.code ? { code: body.code } : {}) };
    };
    const [first, second] = tenants as [{ prefix: string; token: string }, { prefix: string; token: string }];
    // Both tenants answer before the fault (their tenant records are resolved and cached).
    expect((await Promise.all([request(first), request(second)])).map((o) => o.status)).toEqual([200, 200]);

    const holder = new pg.Client({ connectionString: postgres.url });
    const admin = new pg.Client({ connectionString: postgres.url });
    await holder.connect();
    await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tenantry.members IN ACCESS EXCLUSIVE MODE');
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const sleeping = holder.query('SELECT pg_sleep(600)').then(() => 'slept', (err: Error) => err.message);

      // POOL_SIZE requests take every pooled connection and wait for the lock (one a write).
      const writer = `${first.prefix}pool-exhausted`;
      let settled = 0;
      const blocked = [request(first, writer), request(second)].map((p) => p.finally(() => { settled += 1; }));
      await pollUntil(async () => {
        const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'tenantry_app' AND wait_event_type = 'Lock'");
        return rows[0]?.n === POOL_SIZE ? true : undefined;
      }, 20_000, 'every pooled connection to wait for the lock');

      // Requests beyond the pool: a retryable problem each, while the pool is still held.
      const beyond = await Promise.all(Array.from({ length: BEYOND_POOL }, (_, i) => request(i % 2 === 0 ? first : second, i < 2 ? `${first.prefix}refused-${i}` : undefined)));
      for (const outcome of beyond) {
        expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
        expect(outcome.contentType).toMatch(/^application\/problem\+json/);
        expect(Number(outcome.retryAfter)).toBeGreaterThan(0);
      }
      expect(settled).toBe(0);
      expect(running.child.exitCode).toBeNull();

      // The sleep ends: the lock goes with the holder's transaction, the waiting requests finish.
      await admin.query('SELECT pg_cancel_backend($1)', [holderPid]);
      expect(await sleeping).toMatch(/cancel/i);
      await holder.query('ROLLBACK');
      expect((await Promise.all(blocked)).map((o) => o.status)).toEqual([201, 200]);

      // No restart: both tenants answer again, and the acknowledged write is there.
      const after = await fetch(`${smallUrl}/v1/tenant/members`, { headers: { authorization: `Bearer ${first.token}` } });
      expect(after.status).toBe(200);
      const members = ((await after.json()) as { items: { userId: string }[] }).items.map((m) => m.userId);
      expect(members).toContain(writer);
      expect((await request(second)).status).toBe(200);
      expect(running.child.exitCode).toBeNull();
    } finally {
      await holder.end().catch(() => undefined);
      await admin.end();
    }
  });
});

// Audit appends from two processes: a second server over the same database, and both add
// members to the same tenants at once, so each tenant's hash chain gets links from both. Every
// chain must verify afterwards (no fork, no gap), with exactly one event per acknowledged change.
const AUDITED_TENANTS = 3;
const ADDS_PER_SERVER = 8;

describe('concurrent audit appends from two server processes', () => {
  let peer: RunningCli | undefined;
  afterAll(async () => {
    if (peer?.child.exitCode === null) {
      peer.child.kill('SIGTERM');
      await peer.exited.catch(() => undefined);
    }
  });

  it('keeps every tenant\'s audit chain valid, with one event per acknowledged change', async () => {
    peer = startCli(['start'], serverEnv(), 600_000);
    const running = peer;
    const peerUrl = await pollUntil(async () => {
      const line = running.stdout().split('\n').find((l) => l.includes('tenantry listening'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    }, 60_000, `the second server to listen (stderr: ${running.stderr()})`);
    const verify = async (id: string) => {
      const response = await fetch(`${url}/v1/tenants/${id}/audit-events/verification`, { headers: { authorization: `Bearer ${operatorToken}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as { valid: boolean; eventsChecked: number; firstBrokenSeq: number | null; reason: string | null };
    };
    const audited = tenants.slice(0, AUDITED_TENANTS).map((tenant, i) => ({ ...tenant, id: tenantIds[i] as string }));
    const before = await Promise.all(audited.map(async (t) => (await verify(t.id)).eventsChecked));

    // Every add from both servers at once, interleaved, for every audited tenant.
    const attempts = audited.flatMap((tenant) => Array.from({ length: 2 * ADDS_PER_SERVER }, (_, i) => ({ tenant, base: i % 2 === 0 ? url : peerUrl, userId: `${tenant.prefix}audit-${i}` })));
    const answers = await Promise.all(attempts.map(async ({ tenant, base, userId }) => {
      const response = await fetch(`${base}/v1/tenant/members`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId, role: 'viewer' }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json().catch(() => ({}))) as { code?: string };
      return { tenant: tenant.id, status: response.status, code: body.code, retryAfter: response.headers.get('retry-after') };
    }));
    // A refusal under contention may only be a retryable one (a conflict, or a 503 with
    // Retry-After); the rest are acknowledged.
    for (const answer of answers.filter((a) => a.status !== 201)) {
      if (answer.status === 409) expect(answer.code).toBe('TRANSACTION_CONFLICT');
      else expect(answer, JSON.stringify(answer)).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^[1-9]/) as unknown });
    }
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThan(0);

    for (const [i, tenant] of audited.entries()) {
      const acknowledged = answers.filter((a) => a.tenant === tenant.id && a.status === 201).length;
      const verification = await verify(tenant.id);
      expect(verification, JSON.stringify(verification)).toMatchObject({ valid: true, firstBrokenSeq: null });
      expect(verification.eventsChecked - (before[i] as number)).toBe(acknowledged);
    }
    expect(server.child.exitCode).toBeNull();
    expect(running.child.exitCode).toBeNull();
  });
});
