// `tenantry operators list|revoke|rotate`: who the platform staff are and what their tokens
// are, taking an operator's access away (a leaver, a leak), and replacing tokens. Every change
// is recorded in operator_actions as `cli:<os user>`, like the API's operator routes.
import type { Command } from 'commander';
import { controlErrors, type Operator, type OperatorTokenInfo } from 'tenantry/control';
import { recordOperatorAction } from 'tenantry/health';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { findOperator } from './operator-ref.js';
import { formatTable, formatTime, toJson } from './output.js';
import { withDatabase } from './with-database.js';

function lastUsed(tokens: readonly OperatorTokenInfo[]): string {
  const times = tokens.flatMap((t) => (t.lastUsedAt ? [t.lastUsedAt.getTime()] : []));
  return times.length === 0 ? 'never' : formatTime(new Date(Math.max(...times)));
}

function formatOperators(entries: readonly { operator: Operator; tokens: readonly OperatorTokenInfo[] }[], withTokens: boolean): string {
  if (entries.length === 0) return 'no operators: create one with `tenantry operators create --name <name> --email <email>`\n';
  const summary = formatTable(
    ['EMAIL', 'NAME', 'STATUS', 'ACTIVE TOKENS', 'LAST USED', 'ID'],
    entries.map(({ operator, tokens }) => [operator.email, operator.displayName, operator.status, String(tokens.filter((t) => t.status === 'active').length), lastUsed(tokens), operator.id]),
  );
  if (!withTokens) return summary;
  const tokenRows = entries.flatMap(({ operator, tokens }) => tokens.map((t) => [
    operator.email, t.name, t.prefix, t.status, formatTime(t.createdAt), t.expiresAt ? formatTime(t.expiresAt) : 'never', t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never', t.id,
  ]));
  return `${summary}\n${formatTable(['OPERATOR', 'TOKEN', 'PREFIX', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'TOKEN ID'], tokenRows)}`;
}

/** @example registerOperatorsManage(operators, ctx); // tenantry operators list --tokens */
export function registerOperatorsManage(operators: Command, ctx: CliContext): void {
  operators
    .command('list')
    .description('list operators with their status, active tokens and last use')
    .option('--tokens', 'list every token too (name, prefix, status, expiry, last use, id)')
    .option('--json', 'print [{ operator, tokens }] as JSON')
    .action(async (opts: { tokens?: true; json?: true }) => {
      const entries = await withDatabase(ctx, async ({ control }) =>
        Promise.all((await control.operators.list()).map(async (operator) => ({ operator, tokens: await control.operators.listTokens(operator.id) }))));
      ctx.io.out(opts.json ? toJson(entries) : formatOperators(entries, opts.tokens === true));
    });

  operators
    .command('revoke')
    .description('take an operator\'s access away: disable the account (every token and impersonation stops at once), or with --token revoke one token')
    .argument('<email-or-id>', 'the operator')
    .option('--token <token-id>', 'revoke only this token (ids: `tenantry operators list --tokens`)')
    .option('--json', 'print the operator (or the token) as JSON')
    .action(async (ref: string, opts: { token?: string; json?: true }) => {
      const result = await withDatabase(ctx, async ({ control, operator: pool, clock }) => {
        const operator = await findOperator(control.operators, ref);
        if (opts.token !== undefined) {
          const token = (await control.operators.listTokens(operator.id)).find((t) => t.id === opts.token);
          if (!token) throw controlErrors.create('OPERATOR_TOKEN_NOT_FOUND');
          const revoked = await control.operators.revokeToken(token.id);
          await recordOperatorAction(pool, clock, CLI_AUTHOR, { action: 'operator.token.revoke', details: { operatorId: operator.id, tokenId: token.id } });
          return { kind: 'token' as const, operator, token: revoked };
        }
        const disabled = await control.operators.disable(operator.id);
        await recordOperatorAction(pool, clock, CLI_AUTHOR, { action: 'operator.disable', details: { operatorId: operator.id, email: operator.email } });
        return { kind: 'operator' as const, operator: disabled };
      });
      if (opts.json) return ctx.io.out(toJson(result.kind === 'token' ? result.token : result.operator));
      ctx.io.out(result.kind === 'token'
        ? `revoked token ${result.token.name} (${result.token.prefix}) of ${result.operator.email}\n`
        : `disabled operator ${result.operator.email}: its tokens and impersonation sessions no longer work\n`);
    });

  operators
    .command('rotate')
    .description('replace an operator\'s active tokens (or one, with --token) with new ones, printed once; the old ones stop working at once')
    .argument('<email-or-id>', 'the operator')
    .option('--token <token-id>', 'rotate only this token')
    .option('--json', 'print [{ token, info, revoked }] as JSON')
    .action(async (ref: string, opts: { token?: string; json?: true }) => {
      const rotated = await withDatabase(ctx, async ({ control, operator: pool, clock }) => {
        const operator = await findOperator(control.operators, ref);
        const tokens = (await control.operators.listTokens(operator.id)).filter((t) => (opts.token === undefined ? t.status === 'active' : t.id === opts.token));
        if (tokens.length === 0) {
          if (opts.token !== undefined) throw controlErrors.create('OPERATOR_TOKEN_NOT_FOUND');
          // No active token to replace: the operator gets a first one, as `operators create` gives.
          const issued = await control.operators.createToken(operator.id, { name: 'issued by tenantry operators rotate' });
          await recordOperatorAction(pool, clock, CLI_AUTHOR, { action: 'operator.token.create', details: { operatorId: operator.id, tokenId: issued.info.id } });
          return [{ ...issued, operator }];
        }
        const results = [];
        for (const token of tokens) {
          const done = await control.operators.rotateToken(token.id);
          await recordOperatorAction(pool, clock, CLI_AUTHOR, { action: 'operator.token.rotate', details: { operatorId: operator.id, revokedTokenId: token.id, tokenId: done.info.id } });
          results.push({ ...done, operator });
        }
        return results;
      });
      if (opts.json) return ctx.io.out(toJson(rotated.map(({ operator: _operator, ...rest }) => rest)));
      ctx.io.out(rotated.map((r) => `new token "${r.info.name}" for ${r.operator.email} (shown once, keep it secret): ${r.token}\n`).join(''));
    });
}
