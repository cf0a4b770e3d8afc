// Which PostgreSQL server the control plane talks to: the one DATABASE_URL names, or an embedded
// one started under the data directory when none is named.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RolePasswords } from 'tenantry/postgres';
import { findOrStartPostgres } from 'tenantry/postgres/embedded';
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
 * Returns the configured server, or starts the embedded one (initialising its cluster on first
 * use). With the embedded server the role passwords it generated are used, whatever the
 * environment says: they are kept beside its cluster.
 *
 * @example
 * const server = await connectPostgresServer(config, logger);
 * try { await migrateDatabase(server); } finally { await server.stop(); }
 */
export async function connectPostgresServer(config: ServerConfig, logger: Logger, options: { readonly attachToRunning?: boolean } = {}): Promise<PostgresServer> {
  // Unset, the library picks ./.tenantry/postgres, or (as root, where the postgres account
  // cannot enter it) a root-owned directory it can; a directory the user named is never moved.
  const dataDir = config.dataDir === undefined ? undefined : join(config.dataDir, 'postgres');
  if (config.databaseUrl === undefined) logger.debug({ dataDir: dataDir ?? 'default' }, 'starting the embedded PostgreSQL');
  // A configured DATABASE_URL is used as given ('use'): a server never falls back to another database.
  const found = await findOrStartPostgres({
    ...(config.databaseUrl === undefined ? {} : { url: config.databaseUrl }),
    whenUrlGiven: 'use',
    embedded: { ...(dataDir === undefined ? {} : { dataDir }), onLog: (line) => logger.debug({ postgres: line.trim() }, 'embedded PostgreSQL'),
      // A CLI command beside a running `tenantry start` uses that server (docs/cli.md).
      ...(options.attachToRunning ? { whenRunning: 'attach' as const } : {}),
    },
  });
  if (found.relocatedBecause !== undefined) logger.info({ dataDir: found.embeddedDataDir, reason: found.relocatedBecause }, 'the embedded PostgreSQL keeps its data outside the project');
  const rolePasswords: RolePasswords = found.rolePasswords ?? {
    ...(config.appPassword === undefined ? {} : { app: config.appPassword }),
    ...(config.operatorPassword === undefined ? {} : { operator: config.operatorPassword }),
  };
  return { kind: found.kind, adminUrl: found.adminUrl, rolePasswords, location: found.location, stop: () => found.stop() };
}
