// `tenantry jobs list|retry`: the background jobs of every tenant (or one), failed ones with
// their reason, and a retry of a failed job — in its own tenant, by the running server's workers.
import type { Command } from 'commander';
import { runWithoutTenant, type TenantId } from 'tenantry';
import { JOB_STATES, jobsErrors, type JobState } from 'tenantry/jobs';
import type { CliContext } from './context.js';
import { formatTime, toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

/** @example registerJobs(program, ctx); // tenantry jobs list --tenant acme --state failed */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('background jobs of tenants: see them, retry failed ones');
  jobs
    .command('list')
    .description('jobs newest first (every tenant\'s unless --tenant)')
    .option('--tenant <id-or-slug>', 'only this tenant\'s jobs')
    .option('--state <state>', `only jobs in this state: ${JOB_STATES.join(', ')}`)
    .option('--limit <n>', 'at most this many (default 50, at most 500)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the jobs as JSON')
    .action(async (opts: { tenant?: string; state?: string; limit?: number; json?: true }) => {
      if (opts.state !== undefined && !(JOB_STATES as readonly string[]).includes(opts.state)) {
        throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: '--state', reason: JOB_STATES.join(', ') } });
      }
      const list = await withDatabase(ctx, async (database) => {
        const tenant: TenantId | 'all' = opts.tenant === undefined ? 'all' : (await findTenant(database.registry, opts.tenant)).id;
        const { queue } = await database.jobs();
        return runWithoutTenant(() => queue.list({ tenant, ...(opts.state ? { states: [opts.state as JobState] } : {}), ...(opts.limit === undefined ? {} : { limit: opts.limit }) }));
      });
      if (opts.json) return ctx.io.out(toJson(list));
      if (list.length === 0) return ctx.io.out('no jobs\n');
      ctx.io.out(list.map((j) => `${formatTime(j.createdAt)}  ${j.state.padEnd(9)}  ${j.name}  ${j.id}  ${j.tenant ?? '(cross-tenant)'}${j.error ? `  ${j.error}` : ''}\n`).join(''));
    });
  jobs
    .command('retry')
    .description('attempt a failed job again, in its own tenant')
    .argument('<name>', 'the job\'s name (tenantry.webhook.deliver …)')
    .argument('<id>', 'the job\'s id (from `jobs list`)')
    .action(async (name: string, id: string) => {
      await withDatabase(ctx, async (database) => {
        const { queue } = await database.jobs();
        await runWithoutTenant(() => queue.retry(name, id, { anyTenant: true }));
      });
      ctx.io.out(`job ${id} will be attempted again\n`);
    });
}
