// A worker process for the lifecycle-workflow crash test of tenantry/jobs: it works the test's
// "provision" workflow on pg-boss, logging each step to the `workflow_log` table, and SIGKILLs
// itself when it reaches the step named in argv (the test hook), mid-run.
//   node --conditions=tenantry-source --import tsx tests/support/workflow-worker-child.ts <url> <schema> <crash-at-step>
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createJobQueue } from 'tenantry/jobs';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';
import { defineProvisioning } from './workflow-steps.js';

const [url, schema, crashAt] = process.argv.slice(2) as [string, string, string];
const log = new pg.Pool({ connectionString: url, max: 2 });
const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false });
boss.on('error', () => undefined);
await boss.start();
// The tenant is provisioning: what this process is for is dying at a step, not checking status.
const queue = createJobQueue({ backend: pgBossBackend({ boss, schema, pollIntervalMs: 50 }), tenants: { tryGet: async () => ({ status: 'provisioning' }) } });
defineProvisioning(queue, log, (info) => {
  if (info.step === crashAt) process.kill(process.pid, 'SIGKILL');
});
await queue.start();
process.stdout.write('ready\n');
