// `tenantry webhooks list|add|remove|deliveries <tenant>`: an operator's view of a tenant's
// webhook endpoints and their delivery log, and a way to add or remove one for the tenant
// (audited as cli:<os user>). Deliveries go out from the running server's job queue.
import type { Command } from 'commander';
import { systemActor } from 'tenantry/control';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { formatTime, toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

const TENANT = ['<id-or-slug>', 'the tenant id (UUID) or its current slug'] as const;

/** @example registerWebhooks(program, ctx); // tenantry webhooks add acme --url https://hooks.acme.com/t --events 'member.*' */
export function registerWebhooks(program: Command, ctx: CliContext): void {
  const webhooks = program.command('webhooks').description('a tenant\'s webhook endpoints and their delivery log');
  webhooks
    .command('list')
    .description('list the tenant\'s endpoints')
    .argument(...TENANT)
    .option('--json', 'print the endpoints as JSON')
    .action(async (ref: string, opts: { json?: true }) => {
      const list = await withDatabase(ctx, async (database) => {
        const { id } = await findTenant(database.registry, ref);
        const { webhooks: service } = await database.jobs();
        return database.db.withTenant(id, (scope) => service.list(scope));
      });
      if (opts.json) return ctx.io.out(toJson(list));
      if (list.length === 0) return ctx.io.out('no webhook endpoints\n');
      ctx.io.out(list.map((e) => `${e.id}  ${e.enabled ? 'enabled ' : 'disabled'}  ${e.url}  ${e.eventTypes.join(',')}${e.disabledReason ? `  (${e.disabledReason})` : ''}\n`).join(''));
    });
  webhooks
    .command('add')
    .description('add an endpoint for the tenant; prints the tenant\'s first signing secret when this made it')
    .argument(...TENANT)
    .requiredOption('--url <url>', 'where to POST (http or https; no private targets unless TENANTRY_WEBHOOK_PRIVATE_TARGETS=allow)')
    .requiredOption('--events <types>', 'comma-separated event types: member.added, member.*, usage.alert, webhook.test, *')
    .option('--json', 'print the endpoint as JSON')
    .action(async (ref: string, opts: { url: string; events: string; json?: true }) => {
      const made = await withDatabase(ctx, async (database) => {
        const { id } = await findTenant(database.registry, ref);
        const { webhooks: service } = await database.jobs();
        const eventTypes = opts.events.split(',').map((type) => type.trim()).filter((type) => type !== '');
        return database.db.withTenant(id, (scope) => service.create(scope, { url: opts.url, eventTypes }, systemActor(CLI_AUTHOR.actor)));
      });
      if (opts.json) return ctx.io.out(toJson(made));
      ctx.io.out(`added endpoint ${made.endpoint.id}\n${made.signingSecret ? `the tenant's signing secret (shown once): ${made.signingSecret}\n` : ''}`);
    });
  webhooks
    .command('remove')
    .description('delete an endpoint and its delivery log')
    .argument(...TENANT)
    .argument('<endpoint-id>', 'the endpoint\'s id')
    .action(async (ref: string, endpointId: string) => {
      await withDatabase(ctx, async (database) => {
        const { id } = await findTenant(database.registry, ref);
        const { webhooks: service } = await database.jobs();
        await database.db.withTenant(id, (scope) => service.remove(scope, endpointId, systemActor(CLI_AUTHOR.actor)));
      });
      ctx.io.out(`removed endpoint ${endpointId}\n`);
    });
  webhooks
    .command('deliveries')
    .description('the tenant\'s delivery log, newest first')
    .argument(...TENANT)
    .option('--endpoint <id>', 'only this endpoint\'s deliveries')
    .option('--json', 'print the deliveries as JSON')
    .action(async (ref: string, opts: { endpoint?: string; json?: true }) => {
      const list = await withDatabase(ctx, async (database) => {
        const { id } = await findTenant(database.registry, ref);
        const { webhooks: service } = await database.jobs();
        return database.db.withTenant(id, (scope) => service.deliveries(scope, opts.endpoint === undefined ? {} : { endpointId: opts.endpoint }));
      });
      if (opts.json) return ctx.io.out(toJson(list));
      if (list.length === 0) return ctx.io.out('no deliveries\n');
      ctx.io.out(list.map((d) => `${formatTime(d.createdAt)}  ${d.status.padEnd(9)}  ${String(d.attempts).padStart(2)} attempt(s)  ${d.eventType}  ${d.id}\n`).join(''));
    });
}
