// `tenantry billing subscriptions show|start|change|cancel|settle <id-or-slug>`: a tenant's
// subscription from the command line, each change audited as the CLI's user.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Subscription } from 'tenantry/billing';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

const summary = (s: Subscription) =>
  `${s.tenantId}  ${s.plan}  ${s.status}  entitlement ${s.entitlement}  period ${s.currentPeriod.start.toISOString()} – ${s.currentPeriod.end.toISOString()}`
  + `${s.scheduledPlan === null ? '' : `  → ${s.scheduledPlan} at period end`}${s.cancelAtPeriodEnd ? '  cancels at period end' : ''}\n`;

function instant(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-12-14T00:00:00Z.');
  return at;
}

/** @example registerBillingSubscriptions(billing, ctx); // tenantry billing subscriptions start acme --plan pro */
export function registerBillingSubscriptions(billing: Command, ctx: CliContext): void {
  const subscriptions = billing.command('subscriptions').description('a tenant\'s subscription: show, start, change plan, cancel, settle');
  const print = (s: Subscription, json?: true) => ctx.io.out(json ? toJson(s) : summary(s));
  subscriptions.command('show').argument('<id-or-slug>').option('--json', 'as JSON').description('the subscription')
    .action(async (ref: string, opts: { json?: true }) => print(await withDatabase(ctx, async ({ registry, billing: service }) => service.subscriptions.get((await findTenant(registry, ref)).id)), opts.json));
  subscriptions.command('start').argument('<id-or-slug>').requiredOption('--plan <plan>', 'a plan of the catalog')
    .option('--trial-end <time>', 'the end of a free trial (ISO 8601)', instant).option('--json', 'as JSON').description('start a subscription')
    .action(async (ref: string, opts: { plan: string; trialEnd?: Date; json?: true }) => print(await withDatabase(ctx, async ({ registry, billing: service }) =>
      service.subscriptions.start((await findTenant(registry, ref)).id, { plan: opts.plan, ...(opts.trialEnd === undefined ? {} : { trialEnd: opts.trialEnd }) }, CLI_AUTHOR)), opts.json));
  subscriptions.command('change').argument('<id-or-slug>').requiredOption('--plan <plan>', 'the new plan').option('--json', 'as JSON')
    .description('change the plan: a dearer one now (prorated), any other at the period end')
    .action(async (ref: string, opts: { plan: string; json?: true }) => print(await withDatabase(ctx, async ({ registry, billing: service }) =>
      service.subscriptions.changePlan((await findTenant(registry, ref)).id, opts.plan, CLI_AUTHOR)), opts.json));
  subscriptions.command('cancel').argument('<id-or-slug>').addOption(new Option('--at <when>', 'period_end or now').choices(['period_end', 'now']).default('period_end'))
    .option('--json', 'as JSON').description('cancel at the period end (default) or now, the unused part credited')
    .action(async (ref: string, opts: { at: 'period_end' | 'now'; json?: true }) => print(await withDatabase(ctx, async ({ registry, billing: service }) =>
      service.subscriptions.cancel((await findTenant(registry, ref)).id, opts.at, CLI_AUTHOR)), opts.json));
  subscriptions.command('settle').argument('<id-or-slug>').option('--json', 'as JSON')
    .description('apply what time made due: the trial\'s end, degradation after the grace period')
    .action(async (ref: string, opts: { json?: true }) => print(await withDatabase(ctx, async ({ registry, billing: service }) =>
      service.subscriptions.settle((await findTenant(registry, ref)).id, CLI_AUTHOR)), opts.json));
}
