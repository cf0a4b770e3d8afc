// Workflow interceptors (they run in Temporal's workflow sandbox): the tenant header a workflow
// was started with is copied onto every activity, local activity, child workflow and
// continue-as-new it schedules, so activities re-enter the tenant the workflow was started for.
// Nothing here decodes or decides: the activity interceptor checks the header.
// Register the module: `interceptors: { workflowModules: [TENANT_WORKFLOW_INTERCEPTORS] }`.
import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptors } from '@temporalio/workflow';
import { TENANT_HEADER } from './header-name.js';

export const interceptors = (): WorkflowInterceptors => {
  // One closure per workflow execution: the factory is called for each workflow.
  let tenant: Payload | undefined;
  const carry = <H extends Record<string, Payload>>(headers: H): H => (tenant === undefined ? headers : { ...headers, [TENANT_HEADER]: tenant });
  return {
    inbound: [{
      execute(input, next) {
        tenant = input.headers[TENANT_HEADER];
        return next(input);
      },
    }],
    outbound: [{
      scheduleActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: carry(input.headers) }),
      continueAsNew: (input, next) => next({ ...input, headers: carry(input.headers) }),
    }],
  };
};
