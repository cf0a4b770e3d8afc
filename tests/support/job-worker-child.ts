// A worker process for the "killed with jobs in flight" test of tenantry/jobs: it works one
// queue on the backend named in argv, prints `started <jobId> <tenant>` when a job starts, and
// never finishes one, so the parent can SIGKILL it with jobs in flight.
//   node --conditions=tenantry-source --import tsx tests/support/job-worker-child.ts <pg-boss|bullmq> <url> <schema-or-prefix> <job>
import PgBoss from 'pg-boss';
import { currentTenant } from 'tenantry';
import { createJobQueue, type JobBackend } from 'tenantry/jobs';
import { bullMqBackend } from 'tenantry/jobs/bullmq';
import { pgBossBackend } from 'tenantry/jobs/pg-boss';

const [kind, url, space, job] = process.argv.slice(2) as [string, string, string, string];
let backend: JobBackend;
if (kind === 'pg-boss') {
  const boss = new PgBoss({ connectionString: url, schema: space, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  backend = pgBossBackend({ boss, schema: space, pollIntervalMs: 50 });
} else {
  const { hostname, port } = new URL(url);
  backend = bullMqBackend({ connection: { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null }, prefix: space });
}
// The tenants are active: what this process is for is dying mid-job, not checking status.
const queue = createJobQueue({ backend, tenants: { tryGet: async () => ({ status: 'active' }) } });
queue.define(job, {
  expireInSeconds: 1,
  retry: { limit: 2, delayMs: 0, backoff: false },
  concurrency: 8,
  tenantConcurrency: 8,
  handler: async (_payload, info) => {
    process.stdout.write(`started ${info.jobId} ${currentTenant()?.tenantId ?? '-'}\n`);
    await new Promise(() => undefined);
  },
});
await queue.start();
process.stdout.write('ready\n');
