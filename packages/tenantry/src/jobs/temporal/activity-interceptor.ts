// The Temporal activity interceptor: an activity runs inside the tenant its workflow was
// started for (read from the header the workflow interceptors pass along), after checking in
// the registry that the tenant is active; with no tenant header it runs only if declared
// cross-tenant, and then with no tenant.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { isTenantryError, runWithoutTenant, runWithTenant } from '../../core/index.js';
import type { TenantStatusLookup } from '../job-queue.js';
import { decodeTenantHeader } from './tenant-header.js';

export interface TenantActivityOptions {
  /** Where the tenant's status is checked before each activity (a registry or a cached lookup). */
  readonly tenants: TenantStatusLookup;
  /** Activity types that span tenants (scheduled by cross-tenant workflows): they run with no tenant. */
  readonly crossTenantActivities?: readonly string[];
}

/**
 * @example
 * Worker.create({ ..., interceptors: { activity: [tenantActivityInterceptors({ tenants: registry })], workflowModules: [TENANT_WORKFLOW_INTERCEPTORS] } });
 */
export function tenantActivityInterceptors(options: TenantActivityOptions): ActivityInterceptorsFactory {
  const crossTenant = new Set(options.crossTenantActivities ?? []);
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activityType = ctx.info.activityType;
        let header;
        try {
          header = decodeTenantHeader(input.headers);
        } catch (err) {
          throw headerFailure(err);
        }
        if (header === undefined) {
          if (!crossTenant.has(activityType)) {
            throw ApplicationFailure.create({ type: 'WORKFLOW_TENANT_MISSING', message: `activity ${activityType} ran with no tenant`, nonRetryable: true });
          }
          return runWithoutTenant(() => next(input));
        }
        if (crossTenant.has(activityType)) {
          throw ApplicationFailure.create({ type: 'JOB_CROSS_TENANT_IN_TENANT', message: `cross-tenant activity ${activityType} ran with a tenant`, nonRetryable: true });
        }
        const tenant = await options.tenants.tryGet(header.tenantId);
        if (tenant?.status === 'suspended' || tenant?.status === 'provisioning') {
          // Retryable: Temporal tries again per the activity's retry policy, and the activity
          // runs once the tenant is restored (as a job of a suspended tenant is deferred).
          throw ApplicationFailure.create({ type: 'TENANT_SUSPENDED', message: 'the tenant is not active yet or suspended', nonRetryable: false });
        }
        if (tenant?.status !== 'active') {
          throw ApplicationFailure.create({ type: 'JOB_TENANT_GONE', message: `the tenant is ${tenant?.status ?? 'unknown'}`, nonRetryable: true });
        }
        return runWithoutTenant(() => runWithTenant({ tenantId: header.tenantId, resolvedBy: 'temporal', ...(header.slug === undefined ? {} : { slug: header.slug }) }, () => next(input)));
      },
    },
  });
}

function headerFailure(err: unknown): ApplicationFailure {
  const type = isTenantryError(err) ? err.code : 'INTERNAL';
  return ApplicationFailure.create({ type, message: err instanceof Error ? err.message : String(err), nonRetryable: true });
}
