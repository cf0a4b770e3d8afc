// `tenantry start`: runs the control plane until SIGINT or SIGTERM.
import type { Command } from 'commander';
import { coreErrors } from 'tenantry';
import type { CliContext } from './context.js';

/**
 * The command resolves once a signal has shut the server down; a shutdown that failed (logged
 * already) ends it with exit code 1.
 *
 * @example registerStart(program, ctx);
 */
export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('start the control plane (HTTP) and, without DATABASE_URL, an embedded PostgreSQL')
    .action(async () => {
      // Loaded here, not at the top: the other commands never pay for loading Fastify.
      const { startServer } = await import('../main.js');
      const server = await startServer(ctx.config(), { logger: ctx.stdoutLogger(), clock: ctx.clock });
      if ((await server.closed) === 'failed') {
        throw coreErrors.create('INTERNAL', { message: 'The server did not shut down cleanly; the log says what failed.' });
      }
    });
}
