// tenantry/jobs/temporal end to end, against a Temporal server at TEMPORAL_ADDRESS (none
// installs here; without one this file skips, saying so): a workflow started inside tenant A's
// context runs its activity in A, through the client interceptor, the workflow interceptors
// (bundled into the sandbox) and the activity interceptor; a workflow without a tenant is
// refused before it reaches the server.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, runWithTenant } from 'tenantry';
import { TENANT_WORKFLOW_INTERCEPTORS, tenantActivityInterceptors, tenantWorkflowClientInterceptor } from 'tenantry/jobs/temporal';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';

const address = process.env.TEMPORAL_ADDRESS ?? '';

describe.skipIf(!address)(`Temporal interceptors against a server${address ? '' : ' (SKIPPED: no Temporal server at TEMPORAL_ADDRESS)'}`, () => {
  let t: TestTenantry;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let connection: Connection;
  const taskQueue = `tenantry-${randomUUID()}`;

  beforeAll(async () => {
    t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address }),
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./temporal-workflows.ts', import.meta.url)),
      activities: { whoAmI: async () => currentTenant()?.tenantId ?? 'none' },
      interceptors: { activity: [tenantActivityInterceptors({ tenants: t.registry })], workflowModules: [TENANT_WORKFLOW_INTERCEPTORS] },
    });
    running = worker.run();
    connection = await Connection.connect({ address });
    client = new Client({ connection, interceptors: { workflow: [tenantWorkflowClientInterceptor()] } });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await t?.close();
  });

  it('runs the activity of a workflow started in tenant A in tenant A, and B\'s in B', async () => {
    for (const tenant of t.tenants) {
      const result: unknown = await runWithTenant(tenant.id, () => client.workflow.execute('tenantEcho', { taskQueue, workflowId: randomUUID() }));
      expect(result).toBe(tenant.id);
    }
  });

  it('refuses to start a workflow with no tenant', async () => {
    await expect(client.workflow.start('tenantEcho', { taskQueue, workflowId: randomUUID() })).rejects.toMatchObject({ code: 'WORKFLOW_TENANT_MISSING' });
  });
});
