// `tenantry alerts list|ack|snooze|resolve`: the health alerts an operator triages, as the API's
// alert routes do; each change is recorded in operator_actions as `cli:<os user>`.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createAlertEvents, MAX_SNOOZE_MINUTES, type TriagedAlert } from 'tenantry/health';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { formatTable, formatTime, toJson } from './output.js';
import { withDatabase } from './with-database.js';

const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

/** `90m`, `2h`, `3d` (or plain minutes) → minutes, within the API's bounds. */
export function parseSnoozeDuration(value: string): number {
  const match = /^(\d{1,6})([mhd]?)$/.exec(value.trim());
  const minutes = match ? Number(match[1]) * UNIT_MINUTES[(match[2] || 'm') as keyof typeof UNIT_MINUTES] : Number.NaN;
  if (!(minutes >= 1 && minutes <= MAX_SNOOZE_MINUTES)) throw new InvalidArgumentError('must be a duration like 90m, 2h or 3d, at most 30d.');
  return minutes;
}

function state(alert: TriagedAlert): string {
  if (alert.status === 'resolved') return alert.resolvedBy ? `resolved by ${alert.resolvedBy}` : 'resolved';
  if (alert.snoozed && alert.snoozedUntil) return `snoozed until ${formatTime(alert.snoozedUntil)}`;
  return alert.acknowledgedBy ? `acknowledged by ${alert.acknowledgedBy}` : 'open';
}

function formatAlerts(items: readonly TriagedAlert[], slugs: ReadonlyMap<string, string>): string {
  if (items.length === 0) return 'no alerts\n';
  return formatTable(['RULE', 'TENANT', 'VALUE', 'THRESHOLD', 'STATE', 'LAST SEEN', 'ID'], items.map((a) => [
    a.rule, slugs.get(a.tenantId) ?? a.tenantId, String(a.value), String(a.threshold), state(a), formatTime(a.lastSeenAt), a.id,
  ]));
}

/** @example registerAlerts(program, ctx); // tenantry alerts snooze <id> --for 2h */
export function registerAlerts(program: Command, ctx: CliContext): void {
  const alerts = program.command('alerts').description('list health alerts and acknowledge, snooze or resolve them (recorded as operator actions)');
  alerts
    .command('list')
    .description('alerts, most recently seen first, naming each tenant by slug')
    .addOption(new Option('--status <status>', 'open or resolved').choices(['open', 'resolved']))
    .option('--hide-snoozed', 'leave out open alerts whose snooze has not ended')
    .option('--json', 'print the alerts as JSON')
    .action(async (opts: { status?: 'open' | 'resolved'; hideSnoozed?: true; json?: true }) => {
      const { items, slugs } = await withDatabase(ctx, async ({ operator, registry, clock }) => {
        const listed = await createAlertEvents({ operator, clock }).list({ ...(opts.status ? { status: opts.status } : {}), snoozed: opts.hideSnoozed ? 'exclude' : 'include' }, CLI_AUTHOR);
        const names = new Map<string, string>();
        for (const id of new Set(listed.items.map((a) => a.tenantId))) {
          const tenant = await registry.tryGet(id, { deleted: 'include' });
          if (tenant) names.set(id, tenant.slug);
        }
        return { items: listed.items, slugs: names };
      });
      ctx.io.out(opts.json ? toJson(items) : formatAlerts(items, slugs));
    });

  const change = (name: string, description: string, run: (alerts: ReturnType<typeof createAlertEvents>, id: string, minutes: number) => Promise<TriagedAlert>, withDuration = false) => {
    const command = alerts.command(name).description(description).argument('<alert-id>', 'the alert (ids: `tenantry alerts list`)').option('--json', 'print the alert as JSON');
    if (withDuration) command.requiredOption('--for <duration>', 'how long: 90m, 2h, 3d (at most 30d)', parseSnoozeDuration);
    command.action(async (id: string, opts: { json?: true; for?: number }) => {
      const alert = await withDatabase(ctx, ({ operator, clock }) => run(createAlertEvents({ operator, clock }), id, opts.for ?? 0));
      ctx.io.out(opts.json ? toJson(alert) : `${alert.rule}: ${state(alert)}\n`);
    });
  };
  change('ack', 'acknowledge an open alert (the first acknowledgement is kept)', (a, id) => a.acknowledge(id, CLI_AUTHOR));
  change('snooze', 'hide an open alert from --hide-snoozed lists until the time is up', (a, id, minutes) => a.snooze(id, minutes, CLI_AUTHOR), true);
  change('resolve', 'resolve an open alert by hand (a rule still firing opens a new one)', (a, id) => a.resolve(id, CLI_AUTHOR));
}
