// The Temporal client interceptor: every workflow started from this client carries the tenant
// in context in its headers, and a workflow started with no tenant is refused unless its type
// is declared cross-tenant.
import type { Headers } from '@temporalio/common';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { currentTenant } from '../../core/index.js';
import { jobsErrors } from '../errors.js';
import { TENANT_HEADER } from './header-name.js';
import { encodeTenantHeader } from './tenant-header.js';

export interface TenantWorkflowClientOptions {
  /** Workflow types that span tenants: started from no tenant, they carry none. */
  readonly crossTenantWorkflows?: readonly string[];
}

/**
 * @example
 * const client = new Client({ connection, interceptors: { workflow: [tenantWorkflowClientInterceptor()] } });
 * await runWithTenant(tenantId, () => client.workflow.start('provisionTenant', { taskQueue, workflowId }));
 */
export function tenantWorkflowClientInterceptor(options: TenantWorkflowClientOptions = {}): WorkflowClientInterceptor {
  const crossTenant = new Set(options.crossTenantWorkflows ?? []);

  /** The headers to start `workflowType` with: the tenant in context added, or a refusal. */
  function withTenant(workflowType: string, headers: Headers): Headers {
    const context = currentTenant();
    if (crossTenant.has(workflowType)) {
      if (context !== undefined) throw jobsErrors.create('JOB_CROSS_TENANT_IN_TENANT', { details: { workflowType } });
      const { [TENANT_HEADER]: _dropped, ...rest } = headers;
      return rest;
    }
    if (context === undefined) throw jobsErrors.create('WORKFLOW_TENANT_MISSING', { details: { workflowType } });
    return { ...headers, [TENANT_HEADER]: encodeTenantHeader(context) };
  }

  return {
    start: (input, next) => next({ ...input, headers: withTenant(input.workflowType, input.headers) }),
    startWithDetails: (input, next) => next({ ...input, headers: withTenant(input.workflowType, input.headers) }),
    signalWithStart: (input, next) => next({ ...input, headers: withTenant(input.workflowType, input.headers) }),
    startUpdateWithStart: (input, next) => next({ ...input, workflowStartHeaders: withTenant(input.workflowType, input.workflowStartHeaders) }),
  };
}
