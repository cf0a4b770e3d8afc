// The Temporal interceptors without a Temporal server (none installs here; the end-to-end test
// with a server is tests/jobs/temporal-server.test.ts, run where TEMPORAL_ADDRESS is set):
// activity interceptors run in the SDK's MockActivityEnvironment against the real registry on
// the test database; the client interceptor is called as the client calls it.
import { ApplicationFailure, type Headers } from '@temporalio/common';
import type { WorkflowStartInput } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentTenant, runWithTenant, type TenantContext } from '../../core/index.js';
import { createTestTenantry, type TestTenantry } from '../../testing/index.js';
import { tenantActivityInterceptors } from './activity-interceptor.js';
import { tenantWorkflowClientInterceptor } from './client-interceptor.js';
import { TENANT_HEADER } from './header-name.js';
import { decodeTenantHeader, encodeTenantHeader } from './tenant-header.js';

let t: TestTenantry;
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 8 });
});
afterAll(async () => { await t?.close(); });

/** Stands in for the workflow interceptors: gives the activity the headers a workflow would pass. */
const withHeaders = (headers: Headers): ActivityInterceptorsFactory => () => ({
  inbound: { execute: (input, next) => next({ ...input, headers: { ...input.headers, ...headers } }) },
});

function environment(activityType: string, headers: Headers, crossTenantActivities: string[] = []) {
  return new MockActivityEnvironment({ activityType }, {
    interceptors: [withHeaders(headers), tenantActivityInterceptors({ tenants: t.registry, crossTenantActivities })],
  });
}

const seeTenant = async (): Promise<TenantContext | undefined> => currentTenant();

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('Temporal activity interceptor (MockActivityEnvironment)', () => {
  it('runs the activity in the tenant of its header, even when called from another tenant\'s context', async () => {
    const [a, b] = t.tenants;
    const env = environment('sendInvoice', { [TENANT_HEADER]: encodeTenantHeader({ tenantId: a!.id, slug: a!.slug }) });
    const seen = await runWithTenant(b!.id, () => env.run(seeTenant));
    expect(seen).toMatchObject({ tenantId: a!.id, slug: a!.slug, resolvedBy: 'temporal' });
  });

  it('refuses an activity with no tenant header (non-retryable), unless it is declared cross-tenant, which runs with none', async () => {
    const failure = await failureOf(environment('sendInvoice', {}).run(seeTenant));
    expect(failure).toMatchObject({ type: 'WORKFLOW_TENANT_MISSING', nonRetryable: true });
    expect(await runWithTenant(t.tenants[0]!.id, () => environment('rollup', {}, ['rollup']).run(seeTenant))).toBeUndefined();
    const inTenant = await failureOf(environment('rollup', { [TENANT_HEADER]: encodeTenantHeader({ tenantId: t.tenants[0]!.id }) }, ['rollup']).run(seeTenant));
    expect(inTenant).toMatchObject({ type: 'JOB_CROSS_TENANT_IN_TENANT', nonRetryable: true });
  });

  it('does not run the activity of a suspended tenant (retryable, so it runs after a restore), nor of an unknown one', async () => {
    const tenant = t.tenants[5]!;
    let ran = false;
    const env = () => environment('sendInvoice', { [TENANT_HEADER]: encodeTenantHeader({ tenantId: tenant.id }) });
    await t.registry.suspend(tenant.id);
    try {
      const failure = await failureOf(env().run(async () => { ran = true; }));
      expect(failure).toMatchObject({ type: 'TENANT_SUSPENDED', nonRetryable: false });
      expect(ran).toBe(false);
    } finally {
      await t.registry.restore(tenant.id);
    }
    await env().run(async () => { ran = true; });
    expect(ran).toBe(true);
    const unknown = environment('sendInvoice', { [TENANT_HEADER]: encodeTenantHeader({ tenantId: '00000000-0000-4000-8000-000000000001' as never }) });
    expect(await failureOf(unknown.run(seeTenant))).toMatchObject({ type: 'JOB_TENANT_GONE', nonRetryable: true });
  });

  it('refuses a tenant header it did not write', async () => {
    const forged = { [TENANT_HEADER]: { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('{"tenantId":"acme"}') } };
    expect(await failureOf(environment('sendInvoice', forged).run(seeTenant))).toMatchObject({ type: 'WORKFLOW_TENANT_HEADER_INVALID', nonRetryable: true });
    expect(() => decodeTenantHeader(forged)).toThrow(expect.objectContaining({ code: 'WORKFLOW_TENANT_HEADER_INVALID' }) as Error);
  });

  it('property: over many tenants and concurrent activities, each sees exactly its header\'s tenant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: t.tenants.length - 1 }), { minLength: 1, maxLength: 20 }), async (picks) => {
        const seen = await Promise.all(picks.map((i) =>
          environment('work', { [TENANT_HEADER]: encodeTenantHeader({ tenantId: t.tenants[i]!.id }) }).run(async () => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            return currentTenant()?.tenantId;
          })));
        expect(seen).toEqual(picks.map((i) => t.tenants[i]!.id));
      }),
      { numRuns: 15 },
    );
  });
});

describe('Temporal client interceptor', () => {
  const interceptor = tenantWorkflowClientInterceptor({ crossTenantWorkflows: ['nightlyRollup'] });
  const input = (workflowType: string): WorkflowStartInput => ({ workflowType, headers: {}, options: { taskQueue: 'q', workflowId: 'w' } as never });
  const started: WorkflowStartInput[] = [];
  const next = async (i: WorkflowStartInput) => { started.push(i); return 'run-id'; };

  it('puts the tenant in context into the workflow\'s headers', async () => {
    const tenant = t.tenants[1]!;
    await runWithTenant({ tenantId: tenant.id, slug: tenant.slug }, () => interceptor.start!(input('provision'), next));
    expect(decodeTenantHeader(started.at(-1)!.headers)).toEqual({ tenantId: tenant.id, slug: tenant.slug });
  });

  it('refuses to start a workflow with no tenant unless its type is declared cross-tenant; a cross-tenant one carries none', async () => {
    expect(() => interceptor.start!(input('provision'), next)).toThrow(expect.objectContaining({ code: 'WORKFLOW_TENANT_MISSING' }) as Error);
    await interceptor.start!(input('nightlyRollup'), next);
    expect(started.at(-1)!.headers[TENANT_HEADER]).toBeUndefined();
    expect(() => runWithTenant(t.tenants[0]!.id, () => interceptor.start!(input('nightlyRollup'), next)))
      .toThrow(expect.objectContaining({ code: 'JOB_CROSS_TENANT_IN_TENANT' }) as Error);
  });
});
