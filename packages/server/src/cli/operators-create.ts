// `tenantry operators create --name <n> --email <e>`: the bootstrap of the operator API: an
// operator account and its first token, printed this once (only its hash is stored).
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { recordOperatorAction } from 'tenantry/health';
import { CLI_AUTHOR } from './cli-author.js';
import { toJson } from './output.js';
import { withDatabase } from './with-database.js';

interface CreateOptions {
  name: string;
  email: string;
  json?: true;
}

/** @example registerOperatorsCreate(operators, ctx); // tenantry operators create --name Ada --email ada@platform.example */
export function registerOperatorsCreate(operators: Command, ctx: CliContext): void {
  operators
    .command('create')
    .description('create an operator and print an API token for it, once')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--email <email>', 'the operator\'s email address (unique)')
    .option('--json', 'print the operator and token as JSON')
    .action(async (opts: CreateOptions) => {
      const { operator, token } = await withDatabase(ctx, async ({ control, operator: pool, clock }) => {
        const created = await control.operators.create({ email: opts.email, displayName: opts.name });
        const issued = await control.operators.createToken(created.id, { name: 'created by tenantry operators create' });
        await recordOperatorAction(pool, clock, CLI_AUTHOR, { action: 'operator.create', details: { operatorId: created.id, email: created.email, tokenId: issued.info.id } });
        return { operator: created, token: issued.token };
      });
      ctx.io.out(opts.json
        ? toJson({ operator, token })
        : `created operator ${operator.email} (${operator.id})\ntoken (shown once, keep it secret): ${token}\n`);
    });
}
