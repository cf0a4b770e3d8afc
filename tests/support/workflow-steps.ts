// The "provision" workflow of the lifecycle-workflow tests: Tenantry-like steps plus one the
// application registers, each logging (run, step, tenant in context) to `workflow_log`, so a
// test can see which steps ran, how often, and for whom — across processes.
import type pg from 'pg';
import { currentTenant } from 'tenantry';
import { createTenantWorkflows, type JobQueue, type TenantWorkflows, type WorkflowStepInfo } from 'tenantry/jobs';

export function defineProvisioning(queue: JobQueue, log: pg.Pool, beforeStep?: (info: WorkflowStepInfo) => void, failing?: { step: string; until: () => boolean }): TenantWorkflows {
  const workflows = createTenantWorkflows({
    queue,
    ...(beforeStep === undefined ? {} : { beforeStep }),
    stepJob: { expireInSeconds: 1, retry: { limit: 1, delayMs: 0, backoff: false } },
  });
  const step = (name: string) => ({
    name,
    run: async (_input: unknown, info: WorkflowStepInfo) => {
      if (failing?.step === name && !failing.until()) throw new Error(`${name} failed: the billing provider is down`);
      await log.query('INSERT INTO workflow_log (run_id, step, tenant) VALUES ($1, $2, $3)', [info.runId, name, currentTenant()?.tenantId ?? null]);
    },
  });
  workflows.define('provision', [step('create-records'), step('activate')]);
  // The application's own step, between Tenantry's two.
  workflows.addStep('provision', step('create-default-rows'), { after: 'create-records' });
  workflows.register();
  return workflows;
}
