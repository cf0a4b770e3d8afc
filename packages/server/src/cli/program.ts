// The `tenantry` command line: builds the commander program and turns every outcome into an
// exit code (0 done, 1 a Tenantry error, 2 a usage error).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createCliContext, OutputClosedError, type CliIo } from './context.js';
import { registerAdopt } from './adopt.js';
import { registerAudit } from './audit.js';
import { registerBilling } from './billing.js';
import { registerMigrate } from './migrate.js';
import { registerOperators } from './operators.js';
import { EXIT_ERROR, EXIT_USAGE, exitCodeFor, formatError, formatErrorJson, formatUsageErrorJson } from './report-error.js';
import { registerStart } from './start.js';
import { registerTargets } from './targets.js';
import { registerTenants } from './tenants.js';
import { registerVerify } from './verify.js';

export const EXIT_OK = 0;
export { EXIT_ERROR, EXIT_USAGE };

const HELP_FOOTER = `
Environment (read once; an empty variable counts as unset; docs/cli.md has every one):
  DATABASE_URL                 admin URL of PostgreSQL (unset: an embedded PostgreSQL under
                               TENANTRY_DATA_DIR; while \`tenantry start\` runs there, other
                               commands use its server)
  TENANTRY_DATA_DIR            local state (default ./.tenantry)
  TENANTRY_APP_PASSWORD        password of the tenantry_app login role
  TENANTRY_OPERATOR_PASSWORD   password of the tenantry_operator login role
  PORT, HOST                   where \`start\` listens (default 3000, 127.0.0.1)
  LOG_LEVEL                    fatal|error|warn|info|debug|trace|silent (default info)
  TENANTRY_PLANS_FILE          JSON plan catalog (default: built-in free, pro, enterprise)
  REDIS_URL                    Redis for rate limits and the change feed (default: in-process)
  TENANTRY_JWT_*, TENANTRY_USAGE_WEBHOOK_*, TENANTRY_ALERT_*, RATE_LIMIT_*, TENANTRY_METRICS*,
  TENANTRY_TRACING, TENANTRY_*_POOL_SIZE, TENANTRY_*_DEADLINE_MS, TENANTRY_PREPARED_STATEMENTS,
  TENANTRY_POOL_ACQUIRE_TIMEOUT_MS, TENANTRY_HEALTH_WINDOW_MINUTES: see docs/cli.md

Exit codes:
  0  done (also when the reader of stdout stopped early, as with \`| head\`)
  1  a Tenantry error: \`error CODE: message\`, its details, a hint and the cause on stderr
  2  a usage error: unknown command or option, a missing or malformed argument, a missing
     --yes; nothing was changed
With --json, an error is one JSON object on stderr: { "error": { "code", "message", … }, "exitCode" }.
`;

// src/cli/ and dist/cli/ are both two levels below the package root.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The program, writing through `io`. Commander's own exits are turned into exceptions so the
 * process decides its exit code in one place (runCli).
 *
 * @example await createProgram(io).parseAsync(['node', 'tenantry', 'tenants', 'list']);
 */
export function createProgram(io: CliIo, options: { readonly jsonErrors?: boolean } = {}): Command {
  const ctx = createCliContext(io);
  // Set before adding commands: subcommands copy these settings when they are created.
  const program = new Command('tenantry')
    .description('Tenantry control plane: run the server, migrate the database, manage tenants, verify isolation')
    .version(version)
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // With --json a usage error is JSON too (help and --version stay text).
      ...(options.jsonErrors ? { outputError: (message: string, write: (text: string) => void) => write(formatUsageErrorJson(message)) } : {}),
    })
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', HELP_FOOTER);
  registerStart(program, ctx);
  registerMigrate(program, ctx);
  registerTenants(program, ctx);
  registerTargets(program, ctx);
  registerVerify(program, ctx);
  registerAdopt(program, ctx);
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
  // Options after `--` are arguments, not flags.
  const end = argv.indexOf('--');
  const json = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  try {
    await createProgram(io, { jsonErrors: json }).parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    // Commander already printed its message (or the help); only the code is left to decide.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    // The reader took what it wanted; what it did not read is nobody's error.
    if (err instanceof OutputClosedError) return EXIT_OK;
    io.err(json ? formatErrorJson(err) : formatError(err));
    return exitCodeFor(err);
  }
}
