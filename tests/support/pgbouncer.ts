// A PgBouncer of the test's own (Debian's `pgbouncer` package): transaction mode, a small
// server pool, a free port, its configuration in a temporary directory, in front of the
// suite's PostgreSQL. Stopped (SIGTERM) and its directory removed by stop().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from 'tenantry/testing';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The pgbouncer binary: on PATH, or where Debian installs it (/usr/sbin is not on every PATH). */
export function pgbouncerBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'pgbouncer')).find((path) => existsSync(path));
}

/** The installed PgBouncer's version as [major, minor], or undefined without one. */
export function pgbouncerVersion(): [number, number] | undefined {
  const binary = pgbouncerBinary();
  if (binary === undefined) return undefined;
  const match = /PgBouncer (\d+)\.(\d+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export const pgbouncerSkipReason = pgbouncerBinary()
  ? ''
  : ' (SKIPPED: no pgbouncer binary on PATH or in /usr/sbin; `apt-get install pgbouncer`, as .ci/run does)';

export interface PgBouncerOptions {
  /** The server PgBouncer connects to (host and port are taken from it). */
  readonly serverUrl: string;
  /** Server connections per database and user (`default_pool_size`). */
  readonly poolSize: number;
  /** Users that may log in, with their passwords (PgBouncer logs in to the server with them). */
  readonly users: Readonly<Record<string, string>>;
  /** Extra `[pgbouncer]` settings (e.g. `max_prepared_statements` on ≥ 1.21). */
  readonly settings?: Readonly<Record<string, string | number>>;
}

export interface RunningPgBouncer {
  readonly version: string;
  /** `url` with its host and port replaced by PgBouncer's. */
  through(url: string): string;
  stop(): Promise<void>;
}

const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;

/**
 * @example
 * const bouncer = await startPgBouncer({ serverUrl: adminUrl, poolSize: 2, users: { tenantry_app: password } });
 * const pool = pgPool({ connectionString: bouncer.through(appUrl) }, { preparedStatements: 'off' });
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = pgbouncerBinary();
  if (binary === undefined) throw new Error('no pgbouncer binary');
  const server = new URL(options.serverUrl);
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-pgbouncer-'));
  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addr: '127.0.0.1',
    listen_port: port,
    unix_socket_dir: '',
    auth_type: 'plain',
    auth_file: join(dir, 'users.txt'),
    pool_mode: 'transaction',
    default_pool_size: options.poolSize,
    max_client_conn: 200,
    // What a production setup has: the server connection is handed on at once, unreset.
    server_reset_query: '',
    ...options.settings,
  };
  await writeFile(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
    '',
  ].join('\n'));
  await writeFile(join(dir, 'users.txt'), Object.entries(options.users).map(([user, password]) => `${quote(user)} ${quote(password)}\n`).join(''));
  // PgBouncer refuses to run as root: it then assumes the identity of `nobody`, which must be
  // able to read its files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const path of [dir, join(dir, 'pgbouncer.ini'), join(dir, 'users.txt')]) await chmod(path, path === dir ? 0o755 : 0o644);
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const version = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      const up = /process up: PgBouncer ([\d.]+)/.exec(log);
      if (up) resolve(up[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`pgbouncer exited (${code}) before it was up:\n${log}`)));
    child.once('error', reject);
  });
  child.stderr?.resume();
  return {
    version,
    through(url) {
      const through = new URL(url);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      return through.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
