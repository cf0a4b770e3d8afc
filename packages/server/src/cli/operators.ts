// `tenantry operators …`: the group for platform staff accounts (the operator routes' credential).
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerOperatorsCreate } from './operators-create.js';
import { registerOperatorsManage } from './operators-manage.js';

/** @example registerOperators(program, ctx); */
export function registerOperators(program: Command, ctx: CliContext): void {
  const operators = program.command('operators').description('create, list and revoke operators (the platform staff who call the operator routes) and rotate their tokens');
  registerOperatorsCreate(operators, ctx);
  registerOperatorsManage(operators, ctx);
}
