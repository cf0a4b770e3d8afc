// Runs the `tenantry` command as a child process, from its TypeScript source, the way a user
// runs the built one: its own environment, its own exit code, stdout and stderr apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../packages/server/src/bin.ts', import.meta.url));

// Variables config.ts reads: the child gets exactly the ones a test gives it, never the ones
// the test runner happened to be started with.
const CONFIG_VARIABLES = [
  'DATABASE_URL', 'TENANTRY_DATA_DIR', 'TENANTRY_APP_PASSWORD', 'TENANTRY_OPERATOR_PASSWORD', 'PORT', 'HOST', 'LOG_LEVEL',
  'TENANTRY_JWT_ISSUER', 'TENANTRY_JWT_AUDIENCE', 'TENANTRY_JWT_SECRET', 'TENANTRY_JWT_JWKS_URL',
  'TENANTRY_PLANS_FILE', 'TENANTRY_USAGE_WEBHOOK_URL', 'TENANTRY_USAGE_WEBHOOK_SECRET',
  'TENANTRY_WEBHOOK_PRIVATE_TARGETS', 'TENANTRY_WEBHOOK_TIMEOUT_MS', 'TENANTRY_WEBHOOK_RETRIES', 'TENANTRY_WEBHOOK_RETRY_DELAY_MS', 'TENANTRY_WEBHOOK_DISABLE_AFTER_FAILURES',
];

function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete inherited[name];
  return { ...inherited, ...env };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the process exits; after `timeoutMs` it is killed and this rejects, so a hang fails the test. */
  readonly exited: Promise<CliResult>;
}

/**
 * Starts `tenantry <args>`; the caller owns the process.
 *
 * @example const server = startCli(['start'], { TENANTRY_DATA_DIR: dir, PORT: '0' });
 */
export function startCli(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 45_000): RunningCli {
  const child = spawn(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tenantry ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Runs `tenantry <args>` to completion.
 *
 * @example const { code, stdout } = await runCli(['tenants', 'list', '--json'], { DATABASE_URL: t.url });
 */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  return startCli(args, env).exited;
}

/** Polls `probe` until it returns a value, at most `timeoutMs`: for servers that take a while to come up. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const notYet = new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return vi.waitFor(async () => {
    const value = await probe().catch(() => undefined);
    if (value === undefined) throw notYet;
    return value;
  }, { timeout: timeoutMs, interval: 50 });
}
