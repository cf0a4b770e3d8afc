// Temporal: client and worker interceptors that carry the tenant from the code that starts a
// workflow to the activities it runs (docs/jobs.md, "Temporal"). The workflow-side
// interceptors are a module of their own, `tenantry/jobs/temporal/workflow`, which the worker
// bundles into the workflow sandbox: pass TENANT_WORKFLOW_INTERCEPTORS as a workflow module.
import { fileURLToPath } from 'node:url';

export { tenantActivityInterceptors } from './activity-interceptor.js';
export type { TenantActivityOptions } from './activity-interceptor.js';
export { tenantWorkflowClientInterceptor } from './client-interceptor.js';
export type { TenantWorkflowClientOptions } from './client-interceptor.js';
export { TENANT_HEADER } from './header-name.js';
export { decodeTenantHeader, encodeTenantHeader } from './tenant-header.js';
export type { TenantHeader } from './tenant-header.js';

/** The path of the workflow interceptors module, for `WorkerOptions.interceptors.workflowModules`. */
export const TENANT_WORKFLOW_INTERCEPTORS: string = fileURLToPath(
  new URL(`./workflow-interceptors${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
