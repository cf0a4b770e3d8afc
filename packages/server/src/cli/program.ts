// The `tenantry` command line: builds the commander program and turns every outcome into an
// exit code (0 done, 1 a Tenantry error, 2 a usage error).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createCliContext, type CliIo } from './context.js';
import { registerAudit } from './audit.js';
import { registerBilling } from './billing.js';
import { registerMigrate } from './migrate.js';
import { registerOperators } from './operators.js';
import { formatError } from './report-error.js';
import { registerStart } from './start.js';
import { registerTenants } from './tenants.js';
import { registerVerify } from './verify.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

// src/cli/ and dist/cli/ are both two levels below the package root.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The program, writing through `io`. Commander's own exits are turned into exceptions so the
 * process decides its exit code in one place (runCli).
 *
 * @example await createProgram(io).parseAsync(['node', 'tenantry', 'tenants', 'list']);
 */
export function createProgram(io: CliIo): Command {
  const ctx = createCliContext(io);
  // Set before adding commands: subcommands copy these settings when they are created.
  const program = new Command('tenantry')
    .description('Tenantry control plane: run the server, migrate the database, manage tenants, verify isolation')
    .version(version)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showSuggestionAfterError();
  registerStart(program, ctx);
  registerMigrate(program, ctx);
  registerTenants(program, ctx);
  registerVerify(program, ctx);
  registerAudit(program, ctx);
  registerOperators(program, ctx);
  registerBilling(program, ctx);
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv: node, script, then arguments) and returns
 * the exit code; never throws.
 *
 * @example process.exitCode = await runCli(process.argv, io);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    // Commander already printed its message (or the help); only the code is left to decide.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.err(formatError(err));
    return EXIT_ERROR;
  }
}
