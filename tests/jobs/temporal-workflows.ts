// Workflows for tests/jobs/temporal-server.test.ts (bundled into Temporal's workflow sandbox).
import { proxyActivities } from '@temporalio/workflow';

const { whoAmI } = proxyActivities<{ whoAmI(): Promise<string> }>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/** Calls an activity that answers the tenant it ran in. */
export async function tenantEcho(): Promise<string> {
  return whoAmI();
}
