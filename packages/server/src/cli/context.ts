// What every command gets: where to write, and the configuration and loggers, made on first use
// so that `--help` and usage errors work whatever the environment holds.
import type { Logger } from 'pino';
import { systemClock, type Clock } from 'tenantry';
import { loadConfig, type EnvSource, type ServerConfig } from '../config.js';
import { createLogger } from '../logger.js';

export interface CliIo {
  /** Command output (tables, JSON): what a script reads. */
  readonly out: (text: string) => void;
  /** Errors and log lines: never mixed into the output. */
  readonly err: (text: string) => void;
  /** Defaults to process.env (read in config.ts only). */
  readonly env?: EnvSource;
  /** "Now" for every command (and the server `start` runs). Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Whether a person watches stderr (a terminal): then a database that does not answer gets
   * progress lines. Off for pipes and files, where they would only be noise in a log or a
   * test's expectations. Default false.
   */
  readonly progress?: boolean;
}

/**
 * Thrown by `CliIo.out` once the reader of stdout has gone (`tenantry billing export | head`):
 * the command stops, closes what it opened and exits 0 without a word, as `cat` would.
 */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor() {
    super('stdout was closed by its reader');
  }
}

export interface CliContext {
  readonly io: CliIo;
  /** Loads and validates the configuration once; throws CONFIG_INVALID. */
  config(): ServerConfig;
  /** The clock every command and the server use (CliIo.clock). */
  readonly clock: Clock;
  /** Log lines on stderr, for one-shot commands whose stdout is their output. */
  stderrLogger(): Logger;
  /** Log lines on stdout, for `start`: a service's log is its output. */
  stdoutLogger(): Logger;
}

/** @example const ctx = createCliContext({ out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }); */
export function createCliContext(io: CliIo): CliContext {
  let config: ServerConfig | undefined;
  const load = () => (config ??= loadConfig(io.env));
  return {
    io,
    config: load,
    clock: io.clock ?? systemClock,
    stderrLogger: () => createLogger({ level: load().logLevel, destination: { write: (line: string) => io.err(line) } }),
    // A log line to a closed stdout is dropped: the server keeps serving (the logger must not throw).
    stdoutLogger: () => createLogger({ level: load().logLevel, destination: { write: (line: string) => { try { io.out(line); } catch { /* closed */ } } } }),
  };
}
