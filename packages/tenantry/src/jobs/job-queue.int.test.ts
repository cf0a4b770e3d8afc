// One conformance suite for the job queue, run on both real backends: pg-boss 10 on the test
// database and BullMQ on Redis. Every test checks the tenant a handler sees against the tenant
// the job was enqueued for: alternating tenants on one worker, a throwing job followed by
// another tenant's, a suspended tenant's job deferred, retries, a worker process SIGKILLed with
// jobs in flight, per-tenant caps, idempotency keys, dead letters, and a property over many
// tenants (fast-check).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, runWithoutTenant, runWithTenant, type TenantContext, type TenantId } from '../core/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { bullMqBackend } from './bullmq-backend.js';
import type { JobBackend } from './job-backend.js';
import { createJobQueue, type JobEvent, type JobQueue, type JobQueueOptions } from './job-queue.js';
import { pgBossBackend } from './pg-boss-backend.js';

const redisUrl = inject('redisUrl');
const runId = randomBytes(4).toString('hex');
const schema = `pgboss_${runId}`;
const prefix = `test-jobs-${runId}`;
let t: TestTenantry;
let boss: PgBoss;
let redis: Redis | undefined;
const queues: JobQueue[] = [];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 12 });
  // maintenance every second: the kill test waits for pg-boss to expire the dead worker's jobs.
  boss = new PgBoss({ connectionString: t.url, schema, max: 6, maintenanceIntervalSeconds: 1, monitorStateIntervalSeconds: 60, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  if (redisUrl) redis = new Redis(redisUrl);
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop()));
  await boss?.stop({ graceful: false, wait: true });
  if (redis) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
  await t?.close();
});

function redisConnection() {
  const { hostname, port } = new URL(redisUrl);
  return { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null };
}

interface BackendCase {
  readonly name: string;
  readonly skip: boolean;
  backend(): JobBackend;
  /** What the crash child is told: a connection URL and its schema or key prefix. */
  child(): { url: string; space: string };
}

const backends: BackendCase[] = [
  {
    name: 'pg-boss',
    skip: false,
    backend: () => pgBossBackend({ boss, schema, pollIntervalMs: 50 }),
    child: () => ({ url: t.url, space: schema }),
  },
  {
    name: `bullmq${redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)'}`,
    skip: !redisUrl,
    backend: () => bullMqBackend({ connection: redisConnection(), prefix }),
    child: () => ({ url: redisUrl, space: prefix }),
  },
];

let names = 0;
const jobName = () => `job-${(names += 1)}`;
const tenantId = (i: number) => t.tenants[i]!.id;

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the jobs');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(backends)('job queue on $name', (backendCase) => {
  describe.skipIf(backendCase.skip)('', () => {
    function queueWith(options: Partial<JobQueueOptions> = {}, backend = backendCase.backend()): JobQueue {
      const queue = createJobQueue({ backend, tenants: t.registry, ...options });
      queues.push(queue);
      return queue;
    }

    it('runs A, B, A on one worker each in its own tenant, with no tenant between jobs and none for a cross-tenant job', async () => {
      const inner = backendCase.backend();
      const aroundJobs: (TenantContext | undefined)[] = [];
      // The backend as the runner sees it, observed: what is in context when a delivery
      // reaches the runner and when the runner hands control back.
      const observed: JobBackend = {
        ...inner,
        work: (queue, concurrency, handler) => inner.work(queue, concurrency, async (delivery) => {
          aroundJobs.push(currentTenant());
          await handler(delivery);
          aroundJobs.push(currentTenant());
        }),
      };
      const queue = queueWith({}, observed);
      const name = jobName();
      const rollup = jobName();
      const seen: { expected: string; actual: string | undefined }[] = [];
      queue.define<{ expected: string }>(name, {
        concurrency: 1,
        handler: ({ expected }) => { seen.push({ expected, actual: currentTenant()?.tenantId }); },
      });
      queue.define(rollup, {
        crossTenant: true,
        concurrency: 1,
        handler: () => { seen.push({ expected: 'none', actual: currentTenant()?.tenantId ?? 'none' }); },
      });
      for (const i of [0, 1, 0]) await runWithTenant(tenantId(i), () => queue.enqueue(name, { expected: tenantId(i) }));
      await queue.enqueue(rollup, {});
      // Started inside tenant A's context: the worker must not inherit it.
      await runWithTenant(tenantId(0), () => queue.start());
      await until(() => seen.length === 4);
      expect(seen.filter((s) => s.expected !== 'none').map((s) => s.actual)).toEqual([tenantId(0), tenantId(1), tenantId(0)]);
      expect(seen.find((s) => s.expected === 'none')?.actual).toBe('none');
      expect(aroundJobs.every((context) => context === undefined)).toBe(true);
    });

    it('runs the next tenant\'s job in its own tenant after a job that throws, and dead-letters the thrower with its reason', async () => {
      const queue = queueWith();
      const name = jobName();
      const seen: (string | undefined)[] = [];
      queue.define<{ fail: boolean }>(name, {
        concurrency: 1,
        retry: { limit: 0 },
        handler: ({ fail }) => {
          seen.push(currentTenant()?.tenantId);
          if (fail) throw new Error('the invoice provider said no');
        },
      });
      await runWithTenant(tenantId(0), () => queue.enqueue(name, { fail: true }));
      await runWithTenant(tenantId(1), () => queue.enqueue(name, { fail: false }));
      await queue.start();
      await until(() => seen.length === 2);
      expect(seen).toEqual([tenantId(0), tenantId(1)]);
      await until(async () => (await queue.deadLetters(name)).length === 1);
      const [dead] = await queue.deadLetters(name);
      expect(dead?.reason).toBe('Error: the invoice provider said no');
      expect((dead?.data as { tenant: string }).tenant).toBe(tenantId(0));
    });

    it('defers a suspended tenant\'s job without running it, and runs it in its tenant once restored', async () => {
      const events: JobEvent[] = [];
      const queue = queueWith({ suspendedDelayMs: 150, onEvent: (e) => events.push(e) });
      const name = jobName();
      const seen: (string | undefined)[] = [];
      queue.define(name, { handler: () => { seen.push(currentTenant()?.tenantId); } });
      const tenant = tenantId(2);
      await runWithTenant(tenant, () => queue.enqueue(name, {}));
      await t.registry.suspend(tenant);
      try {
        await queue.start();
        await until(() => events.filter((e) => e.type === 'deferred').length >= 2);
        expect(seen).toEqual([]);
        expect(events.every((e) => e.type === 'deferred' && e.reason === 'suspended' && e.tenantId === tenant)).toBe(true);
      } finally {
        await t.registry.restore(tenant);
      }
      await until(() => seen.length === 1);
      expect(seen).toEqual([tenant]);
    });

    it('retries in the job\'s own tenant, with the attempt number, then succeeds', async () => {
      const queue = queueWith();
      const name = jobName();
      const attempts: { tenant: string | undefined; attempt: number; jobId: string }[] = [];
      queue.define(name, {
        retry: { limit: 2, delayMs: 0, backoff: false },
        handler: (_payload, job) => {
          attempts.push({ tenant: currentTenant()?.tenantId, attempt: job.attempt, jobId: job.jobId });
          if (job.attempt < 3) throw new Error(`attempt ${job.attempt} fails`);
        },
      });
      const jobId = await runWithTenant(tenantId(3), () => queue.enqueue(name, {}));
      await queue.start();
      await until(() => attempts.length === 3);
      expect(attempts).toEqual([1, 2, 3].map((attempt) => ({ tenant: tenantId(3), attempt, jobId })));
      expect(await queue.deadLetters(name)).toEqual([]);
    });

    it('dead-letters a job whose retries are used up', async () => {
      const queue = queueWith();
      const name = jobName();
      let attempts = 0;
      queue.define(name, { retry: { limit: 1, delayMs: 0, backoff: false }, handler: () => { attempts += 1; throw new Error('always'); } });
      await runWithTenant(tenantId(0), () => queue.enqueue(name, { n: 1 }));
      await queue.start();
      await until(async () => (await queue.deadLetters(name)).length === 1);
      expect(attempts).toBe(2);
    });

    it('shows each tenant only its own jobs and failures, an operator every tenant\'s, and retries a failed job in its own tenant only', async () => {
      const queue = queueWith();
      const name = jobName();
      const failing = new Set<string>();
      const ran: TenantId[] = [];
      queue.define<{ n: number }>(name, {
        retry: { limit: 0, delayMs: 0, backoff: false },
        concurrency: 6,
        handler: () => {
          const tenant = currentTenant()?.tenantId as TenantId;
          if (failing.has(tenant)) throw new Error(`broken for ${tenant}`);
          ran.push(tenant);
        },
      });
      const tenants = t.tenants.map((x) => x.id);
      for (const tenant of tenants.slice(0, 6)) failing.add(tenant);
      const ids = new Map<string, string[]>();
      for (const [i, tenant] of tenants.entries()) {
        for (let n = 0; n <= i % 3; n += 1) {
          await runWithTenant(tenant, () => queue.enqueue(name, { n }));
          ids.set(tenant, [...(ids.get(tenant) ?? []), String(n)]);
        }
      }
      const total = [...ids.values()].reduce((sum, list) => sum + list.length, 0);
      await queue.start();
      await until(async () => (await queue.list({ tenant: 'all', states: ['failed', 'completed'] })).length === total);
      for (const tenant of tenants) {
        const own = await runWithTenant(tenant, () => queue.list());
        expect(own.map((job) => job.tenant).every((owner) => owner === tenant)).toBe(true);
        expect(own).toHaveLength(ids.get(tenant)?.length ?? 0);
        const expected = failing.has(tenant) ? 'failed' : 'completed';
        expect(own.every((job) => job.state === expected && job.attempts === 1)).toBe(true);
        if (failing.has(tenant)) expect(own[0]?.error).toContain(`broken for ${tenant}`);
      }
      // No context is never "every tenant": the operator path says so.
      await expect(runWithoutTenant(() => queue.list())).rejects.toMatchObject({ code: 'JOB_TENANT_MISSING' });
      await expect(runWithTenant(tenants[0] as TenantId, () => queue.list({ tenant: 'all' }))).rejects.toMatchObject({ code: 'JOB_CROSS_TENANT_IN_TENANT' });
      expect(await queue.list({ tenant: 'all' })).toHaveLength(total);
      const failedCounts = await queue.failedCounts();
      for (const tenant of tenants) expect(failedCounts.get(tenant) ?? 0).toBe(failing.has(tenant) ? ids.get(tenant)?.length : 0);

      // B cannot retry A's failed job (it does not exist for B); A can, and it runs in A.
      const [a, b] = tenants as [TenantId, TenantId];
      const [failedOfA] = await runWithTenant(a, () => queue.list({ states: ['failed'] }));
      await expect(runWithTenant(b, () => queue.retry(name, failedOfA?.id as string))).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      await expect(runWithoutTenant(() => queue.retry(name, failedOfA?.id as string))).rejects.toMatchObject({ code: 'JOB_TENANT_MISSING' });
      failing.delete(a);
      await runWithTenant(a, () => queue.retry(name, failedOfA?.id as string));
      await until(() => ran.includes(a));
      expect(ran.filter((tenant) => tenant === a)).toEqual([a]);
      // Retried once: it is no longer failed, and retrying it again finds no failed job.
      await until(async () => (await runWithTenant(a, () => queue.list({ states: ['failed'] }))).every((job) => job.id !== failedOfA?.id));
      await expect(runWithTenant(a, () => queue.retry(name, failedOfA?.id as string))).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      // The operator path may retry any tenant's failed job.
      failing.delete(b);
      const [failedOfB] = await runWithTenant(b, () => queue.list({ states: ['failed'] }));
      await runWithoutTenant(() => queue.retry(name, failedOfB?.id as string, { anyTenant: true }));
      await until(() => ran.includes(b));
    });

    it('stores one job per idempotency key and tenant: the key of A never suppresses B\'s job', async () => {
      const queue = queueWith();
      const name = jobName();
      const seen: (string | undefined)[] = [];
      queue.define(name, { handler: () => { seen.push(currentTenant()?.tenantId); } });
      const first = await runWithTenant(tenantId(0), () => queue.enqueue(name, {}, { idempotencyKey: 'invoice-7' }));
      const again = await runWithTenant(tenantId(0), () => queue.enqueue(name, {}, { idempotencyKey: 'invoice-7' }));
      const forB = await runWithTenant(tenantId(1), () => queue.enqueue(name, {}, { idempotencyKey: 'invoice-7' }));
      expect(first).toBeTypeOf('string');
      expect(again).toBeUndefined();
      expect(forB).toBeTypeOf('string');
      expect(forB).not.toBe(first);
      await queue.start();
      await until(() => seen.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen.sort()).toEqual([tenantId(0), tenantId(1)].sort());
    });

    it('refuses a tenant job with no tenant, a cross-tenant job inside a tenant, an unknown job and a payload that is not JSON', async () => {
      const queue = queueWith();
      const name = jobName();
      const rollup = jobName();
      queue.define(name, { handler: () => undefined });
      queue.define(rollup, { crossTenant: true, handler: () => undefined });
      await expect(runWithoutTenant(() => queue.enqueue(name, {}))).rejects.toMatchObject({ code: 'JOB_TENANT_MISSING' });
      await expect(runWithTenant(tenantId(0), () => queue.enqueue(rollup, {}))).rejects.toMatchObject({ code: 'JOB_CROSS_TENANT_IN_TENANT' });
      await expect(runWithTenant(tenantId(0), () => queue.enqueue('nope', {}))).rejects.toMatchObject({ code: 'JOB_NOT_DEFINED' });
      await expect(runWithTenant(tenantId(0), () => queue.enqueue(name, { when: new Date() } as never))).rejects.toMatchObject({ code: 'JOB_PAYLOAD_INVALID' });
    });

    it('never runs a record it did not write, nor a tenant record sent to a cross-tenant job: both are dead-lettered', async () => {
      const backend = backendCase.backend();
      const queue = queueWith({}, backend);
      const name = jobName();
      const rollup = jobName();
      let ran = 0;
      queue.define(name, { handler: () => { ran += 1; } });
      queue.define(rollup, { crossTenant: true, handler: () => { ran += 1; } });
      await queue.start();
      await backend.send(name, { hello: 'no envelope' });
      await backend.send(name, { v: 1, job: name, jobId: 'x', tenant: null, payload: {}, enqueuedAt: new Date(0).toISOString(), deferrals: 0 });
      await backend.send(rollup, { v: 1, job: rollup, jobId: 'y', tenant: tenantId(0), payload: {}, enqueuedAt: new Date(0).toISOString(), deferrals: 0 });
      await until(async () => (await queue.deadLetters(name)).length === 2 && (await queue.deadLetters(rollup)).length === 1);
      const reasons = [...(await queue.deadLetters(name)), ...(await queue.deadLetters(rollup))].map((d) => d.reason.split(':')[0]);
      expect(reasons.sort()).toEqual(['JOB_CROSS_TENANT_IN_TENANT', 'JOB_PAYLOAD_INVALID', 'JOB_TENANT_MISSING']);
      expect(ran).toBe(0);
    });

    it('caps each tenant\'s running jobs: a backlog of A does not starve B', async () => {
      const queue = queueWith({ capDelayMs: 100 });
      const name = jobName();
      const A = 60;
      const running = new Map<string, number>();
      let maxPerTenant = 0;
      const done: string[] = [];
      queue.define(name, {
        concurrency: 4,
        tenantConcurrency: 2,
        handler: async () => {
          const id = currentTenant()!.tenantId;
          running.set(id, (running.get(id) ?? 0) + 1);
          maxPerTenant = Math.max(maxPerTenant, running.get(id)!);
          await new Promise((resolve) => setTimeout(resolve, 50));
          running.set(id, running.get(id)! - 1);
          done.push(id);
        },
      });
      // A's backlog is stored before B's first job.
      await runWithTenant(tenantId(0), () => Promise.all(Array.from({ length: A }, (_, i) => queue.enqueue(name, { i }))));
      await runWithTenant(tenantId(1), () => Promise.all(Array.from({ length: 6 }, (_, i) => queue.enqueue(name, { i }))));
      await queue.start();
      await until(() => done.length === A + 6, 20_000);
      const lastB = done.lastIndexOf(tenantId(1));
      const aLeftWhenBFinished = A - done.slice(0, lastB + 1).filter((id) => id === tenantId(0)).length;
      // Without the cap, B's six jobs run after all sixty of A's: at most 3 of A's are still
      // running when B's last one ends. pg-boss skips A's jobs when fetching (B's run at once,
      // ~50 of A's left); BullMQ puts each of A's back once before reaching B's.
      expect(aLeftWhenBFinished).toBeGreaterThanOrEqual(10);
      expect(maxPerTenant).toBeLessThanOrEqual(2);
    });

    it('property: over many tenants and interleavings, every handler sees exactly its job\'s tenant', async () => {
      const queue = queueWith({ capDelayMs: 20 });
      const name = jobName();
      const mismatches: string[] = [];
      let handled = 0;
      queue.define<{ expected: string }>(name, {
        concurrency: 6,
        tenantConcurrency: 3,
        handler: async ({ expected }) => {
          const before = currentTenant()?.tenantId;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          const after = currentTenant()?.tenantId;
          if (before !== expected || after !== expected) mismatches.push(`${expected} saw ${before}/${after}`);
          handled += 1;
        },
      });
      await queue.start();
      let expectedTotal = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: t.tenants.length - 1 }), { minLength: 5, maxLength: 30 }), async (sequence) => {
          await Promise.all(sequence.map((i) => runWithTenant(tenantId(i), () => queue.enqueue(name, { expected: tenantId(i) }))));
          expectedTotal += sequence.length;
          await until(() => handled === expectedTotal);
          expect(mismatches).toEqual([]);
        }),
        { numRuns: 6 },
      );
    });

    it('runs again, each in its own tenant, the jobs of a worker process SIGKILLed with them in flight', async () => {
      const name = jobName();
      const queue = queueWith();
      const seen: { jobId: string; tenant: string | undefined }[] = [];
      const definition = {
        expireInSeconds: 1,
        retry: { limit: 2, delayMs: 0, backoff: false },
        concurrency: 8,
        tenantConcurrency: 8,
        handler: (_payload: unknown, job: { jobId: string }) => { seen.push({ jobId: job.jobId, tenant: currentTenant()?.tenantId }); },
      };
      queue.define(name, definition);
      const enqueued = new Map<string, TenantId>();
      for (const i of [0, 1, 2, 3, 0, 1]) {
        const id = await runWithTenant(tenantId(i), () => queue.enqueue(name, {}));
        enqueued.set(id!, tenantId(i));
      }
      const { url, space } = backendCase.child();
      const root = fileURLToPath(new URL('../../../../', import.meta.url));
      const child: ChildProcess = spawn(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', 'tests/support/job-worker-child.ts', backendCase.name.split(' ')[0]!, url, space, name], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      const started = new Map<string, string>();
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of output.split('\n')) {
          const match = /^started (\S+) (\S+)$/.exec(line);
          if (match) started.set(match[1]!, match[2]!);
        }
      });
      let errors = '';
      child.stderr!.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await until(() => started.size === enqueued.size, 15_000);
      } catch (err) {
        child.kill('SIGKILL');
        throw new Error(`the child worker did not start every job: ${errors.slice(0, 2000)}`, { cause: err });
      }
      // In the child, each job started in its own tenant; now it dies with all of them in flight.
      expect(Object.fromEntries(started)).toEqual(Object.fromEntries(enqueued));
      child.kill('SIGKILL');
      await exited;
      await queue.start();
      await until(() => new Set(seen.map((s) => s.jobId)).size === enqueued.size, 15_000);
      for (const { jobId, tenant } of seen) expect(tenant).toBe(enqueued.get(jobId));
    });
  });
});
