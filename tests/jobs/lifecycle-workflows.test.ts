// Lifecycle workflows of tenantry/jobs on the job queue (pg-boss): ordered steps with an application step in
// the middle, each in the tenant's context; a worker process killed at a named step (the test
// hook) resumes from that step in another process, the steps before it not run again; a step
// that keeps failing leaves the run in a failed state with its reason, and `resume` finishes it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runWithTenant } from 'tenantry';
import { createJobQueue, type JobQueue } from 'tenantry/jobs';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { defineProvisioning } from '../support/workflow-steps.js';

const schema = `pgboss_wf_${randomBytes(4).toString('hex')}`;
let t: TestTenantry;
let boss: PgBoss;
let log: pg.Pool;
const queues: JobQueue[] = [];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  await t.admin.query('CREATE TABLE workflow_log (run_id text, step text, tenant text, at timestamptz DEFAULT clock_timestamp())');
  log = new pg.Pool({ connectionString: t.url, max: 2 });
  // An idle connection ended by the server (the suite's database dropped at teardown) is
  // reported on the pool; unheard, it is an uncaught exception that fails the whole run.
  log.on('error', () => undefined);
  boss = new PgBoss({ connectionString: t.url, schema, max: 4, maintenanceIntervalSeconds: 1, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop()));
  await boss?.stop({ graceful: false, wait: true });
  await log?.end();
  await t?.close();
});

function newQueue(): JobQueue {
  const queue = createJobQueue({ backend: pgBossBackend({ boss, schema, pollIntervalMs: 50 }), tenants: t.registry });
  queues.push(queue);
  return queue;
}

async function steps(runId: string): Promise<{ step: string; tenant: string }[]> {
  return (await t.admin.query<{ step: string; tenant: string }>('SELECT step, tenant FROM workflow_log WHERE run_id = $1 ORDER BY at', [runId])).rows;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('lifecycle workflows on the job queue', () => {
  it('resumes from the step a killed worker process died in, in the tenant, and runs each later step once', async () => {
    const tenant = t.tenants[0]!.id;
    const queue = newQueue();
    const workflows = defineProvisioning(queue, log);
    expect(workflows.steps('provision')).toEqual(['create-records', 'create-default-rows', 'activate']);
    const runId = await runWithTenant(tenant, () => workflows.start('provision', { plan: 'pro' }));
    // Starting the same run twice starts it once.
    await runWithTenant(tenant, () => workflows.start('provision', { plan: 'pro' }, { runId }));

    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', 'tests/support/workflow-worker-child.ts', t.url, schema, 'create-default-rows'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
    const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal, errors.slice(0, 2000)).toBe('SIGKILL');
    expect(await steps(runId)).toEqual([{ step: 'create-records', tenant }]);

    await queue.start();
    await until(async () => (await steps(runId)).some((s) => s.step === 'activate'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ran = await steps(runId);
    // The step it died in ran again, then the rest, once each, every one in the tenant. The step
    // before may run again too (at least once: the killed worker may have started the next step
    // before the previous job's completion was recorded), never after the one that follows it.
    expect(ran.every((s) => s.tenant === tenant), JSON.stringify(ran)).toBe(true);
    expect(ran.filter((s) => s.step === 'create-default-rows'), JSON.stringify(ran)).toHaveLength(1);
    expect(ran.filter((s) => s.step === 'activate'), JSON.stringify(ran)).toHaveLength(1);
    expect(ran[0]?.step).toBe('create-records');
    expect(ran.map((s) => s.step).lastIndexOf('create-records')).toBeLessThan(ran.findIndex((s) => s.step === 'create-default-rows') + 2);
    expect(ran.at(-1)?.step).toBe('activate');
    await queue.stop();
  });

  it('leaves a run whose step keeps failing in a failed state with the reason, and resume finishes it from that step', async () => {
    const tenant = t.tenants[1]!.id;
    let providerUp = false;
    const queue = newQueue();
    // The first test's queue is stopped: this one is the only worker of "provision".
    const workflows = defineProvisioning(queue, log, undefined, { step: 'create-default-rows', until: () => providerUp });
    await queue.start();
    const runId = await runWithTenant(tenant, () => workflows.start('provision', {}));
    await until(async () => (await workflows.failures('provision')).some((f) => f.runId === runId));
    const failure = (await workflows.failures('provision')).find((f) => f.runId === runId);
    expect(failure).toMatchObject({ workflow: 'provision', step: 'create-default-rows', tenantId: tenant, reason: 'Error: create-default-rows failed: the billing provider is down' });
    expect((await steps(runId)).map((s) => s.step)).toEqual(['create-records']);
    providerUp = true;
    await runWithTenant(tenant, () => workflows.resume('provision', runId, 'create-default-rows', {}));
    await until(async () => (await steps(runId)).length === 3);
    expect((await steps(runId)).map((s) => s.step)).toEqual(['create-records', 'create-default-rows', 'activate']);
  });
});
