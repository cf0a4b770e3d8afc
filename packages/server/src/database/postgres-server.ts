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
export async function connectPostgresServer(config: ServerConfig, logger: Logger, options: { readonly attachToRunning?: boolean } = {}): Promise<PostgresServer> {
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
  // Unset, the library picks ./.tenantry/postgres, or (as root, where the postgres account
  // cannot enter it) a root-owned directory it can; a directory the user named is never moved.
  const dataDir = config.dataDir === undefined ? undefined : join(config.dataDir, 'postgres');
  logger.debug({ dataDir: dataDir ?? 'default' }, 'starting the embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({
    ...(dataDir === undefined ? {} : { dataDir }),
    onLog: (line) => logger.debug({ postgres: line.trim() }, 'embedded PostgreSQL'),
    ...(options.attachToRunning ? { whenRunning: 'attach' as const } : {}),
  });
  if (embedded.relocatedBecause !== undefined) logger.info({ dataDir: embedded.dataDir, reason: embedded.relocatedBecause }, 'the embedded PostgreSQL keeps its data outside the project');
  const shared = embedded.attachedTo === undefined ? '' : `, the server of tenantry start (pid ${embedded.attachedTo})`;
  if (shared !== '') logger.debug({ pid: embedded.attachedTo, port: embedded.port }, 'using the embedded PostgreSQL of the running tenantry start');
  return {
    kind: 'embedded',
    adminUrl: embedded.url,
    rolePasswords: embedded.rolePasswords,
    location: `embedded at 127.0.0.1:${embedded.port} (${embedded.dataDir}${shared})`,
    stop: () => embedded.stop(),
  };
}
