// Issue 14: the server process died when PostgreSQL restarted or a backend was killed during
// load (an unhandled 'error' of a checked-out client), and answered 500s for dropped
// connections. Here a real server process runs over a PostgreSQL of this suite's own while
// operator requests (tenant onboarding: writes on both pools, and reads) keep coming, and the
// database is restarted (fast shutdown), killed (kill -9 of the postmaster), frozen (SIGSTOP) or
// its backends terminated mid-transaction. For each: the server stays up, a failed request gets
// a retryable 503 problem with Retry-After within the deadline, it recovers without a restart,
// and no acknowledged write is lost.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pollUntil, runCli, startCli, type RunningCli } from '../e2e/support/cli.js';
import { hasPostgres, startPostgres, type OwnedPostgres } from './support/processes.js';

const DEADLINE_MS = 3_000;
// A request that has not answered by its deadline plus this has hung.
const SLACK_MS = 3_000;
const WORKERS = 8;

interface Outcome {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
}

let cluster: OwnedPostgres;
let server: RunningCli;
let url: string;
let token: string;

beforeAll(async () => {
  cluster = await startPostgres();
  server = startCli(['start'], {
    DATABASE_URL: cluster.url, PORT: '0', LOG_LEVEL: 'info',
    TENANTRY_OPERATOR_DEADLINE_MS: String(DEADLINE_MS), TENANTRY_TENANT_DEADLINE_MS: String(DEADLINE_MS),
  }, 600_000);
  // Port 0: the listening line says where.
  url = await pollUntil(async () => /"url":"(http:\/\/[^"]+)"/.exec(server.stdout())?.[1], 30_000, 'the server to listen');
  const created = await runCli(['operators', 'create', '--name', 'Faults', '--email', `faults-${randomUUID()}@platform.example`, '--json'], { DATABASE_URL: cluster.url });
  expect(created.code, created.stderr).toBe(0);
  token = (JSON.parse(created.stdout) as { token: string }).token;
}, 120_000);

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited.catch(() => undefined);
  }
  await cluster?.remove();
});

async function call(method: string, path: string, body?: unknown): Promise<Outcome & { body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(DEADLINE_MS + SLACK_MS),
  });
  const parsed = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: typeof parsed.code === 'string' ? parsed.code : undefined, retryAfter: res.headers.get('retry-after'), body: parsed };
}

/**
 * Onboards tenants and reads them back from WORKERS loops until `done()` (told how many
 * requests succeeded since the fault); `fault` runs once 20 requests have succeeded. Returns
 * every outcome and the ids of acknowledged tenants.
 */
async function load(fault: (outcomes: readonly Outcome[]) => Promise<void>, done: (succeededAfterFault: number) => boolean): Promise<{ outcomes: Outcome[]; acknowledged: string[] }> {
  const outcomes: Outcome[] = [];
  const acknowledged: string[] = [];
  let succeeded = 0;
  let faulted: Promise<void> | undefined;
  let afterFault = 0;
  const worker = async () => {
    while (!done(afterFault)) {
      const created = await call('POST', '/v1/tenants', { slug: `f-${randomUUID().slice(0, 12)}`, owner: { userId: 'owner' } });
      outcomes.push(created);
      if (created.status === 201) acknowledged.push(created.body.id as string);
      const id = acknowledged[acknowledged.length - 1];
      if (id !== undefined) outcomes.push(await call('GET', `/v1/tenants/${id}`));
      const ok = outcomes.slice(-2).filter((o) => o.status < 300).length;
      succeeded += ok;
      if (faulted !== undefined) afterFault += ok;
      if (faulted === undefined && succeeded >= 20) faulted = fault(outcomes);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  await faulted;
  return { outcomes, acknowledged };
}

function expectOnlyRetryableFailures(outcomes: readonly Outcome[]): void {
  const failures = outcomes.filter((o) => o.status >= 300);
  for (const failure of failures) {
    expect(failure.status, JSON.stringify(failure)).toBe(503);
    expect(['DATABASE_UNAVAILABLE', 'DATABASE_TIMEOUT']).toContain(failure.code);
    expect(failure.retryAfter).not.toBeNull();
  }
}

async function expectAllAcknowledged(ids: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.tenants WHERE id = ANY($1::uuid[]) AND status = $2', [ids, 'active']);
    expect(rows[0]?.n).toBe(ids.length);
  } finally {
    await client.end();
  }
}

describe.skipIf(!hasPostgres)(`the server under PostgreSQL faults${hasPostgres ? '' : ' (SKIPPED: no PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin)'}`, () => {
  it('survives a fast restart of PostgreSQL during load: retryable 503s only, recovery without a restart, no acknowledged write lost', async () => {
    const { outcomes, acknowledged } = await load(async () => cluster.restartFast(), (after) => after >= 40);
    expect(server.child.exitCode).toBeNull();
    expectOnlyRetryableFailures(outcomes);
    await expectAllAcknowledged(acknowledged);
  }, 60_000);

  it('survives kill -9 of the postmaster during load (crash recovery at its restart), the same way', async () => {
    const { outcomes, acknowledged } = await load(async () => cluster.killAndRestart(), (after) => after >= 40);
    expect(server.child.exitCode).toBeNull();
    expectOnlyRetryableFailures(outcomes);
    await expectAllAcknowledged(acknowledged);
  }, 60_000);

  it('answers within the deadline while PostgreSQL is frozen (SIGSTOP), and recovers once it thaws', async () => {
    const freezeUntilRefused = async (outcomes: readonly Outcome[]) => {
      const before = outcomes.length;
      cluster.freeze();
      try {
        // Every worker's request in flight and the next ones must come back refused, not hang.
        await pollUntil(async () => (outcomes.slice(before).filter((o) => o.status === 503).length >= WORKERS ? true : undefined), 4 * (DEADLINE_MS + SLACK_MS), 'refusals while frozen');
      } finally {
        cluster.thaw();
      }
    };
    const { outcomes, acknowledged } = await load(freezeUntilRefused, (after) => after >= 40);
    expect(server.child.exitCode).toBeNull();
    expectOnlyRetryableFailures(outcomes);
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThanOrEqual(WORKERS);
    await expectAllAcknowledged(acknowledged);
  }, 60_000);

  it('survives its backends terminated mid-transaction during load, the same way', async () => {
    const terminate = async () => {
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'tenantry-server' AND pid <> pg_backend_pid()`,
        );
        expect(rows[0]?.n).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
    };
    const { outcomes, acknowledged } = await load(terminate, (after) => after >= 40);
    expect(server.child.exitCode).toBeNull();
    expectOnlyRetryableFailures(outcomes);
    await expectAllAcknowledged(acknowledged);
  }, 60_000);

  it('answers concurrent lifecycle operations on the same tenants with outcomes or conflicts only, and their audit chains stay whole', async () => {
    const tenants: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await call('POST', '/v1/tenants', { slug: `life-${randomUUID().slice(0, 12)}`, owner: { userId: 'owner' } });
      expect(created.status).toBe(201);
      tenants.push(created.body.id as string);
    }
    const actions = ['suspend', 'restore', 'suspend', 'restore', 'offboard'] as const;
    const answers = await Promise.all(tenants.flatMap((id) => [...actions, ...actions].map((action) => call('POST', `/v1/tenants/${id}/${action}`))));
    for (const answer of answers) {
      expect([200, 409], JSON.stringify(answer.body)).toContain(answer.status);
      if (answer.status === 409) expect(answer.code).toBe('TENANT_INVALID_TRANSITION');
    }
    for (const id of tenants) {
      const verification = await call('GET', `/v1/tenants/${id}/audit-events/verification`);
      expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
      // Its creation and at least the transitions that succeeded (each tenant gets at least one).
      expect(verification.body.eventsChecked).toBeGreaterThanOrEqual(2);
    }
    expect(server.child.exitCode).toBeNull();
  }, 60_000);
});
