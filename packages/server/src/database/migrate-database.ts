// Runs Tenantry's migrations with a short-lived admin pool: the admin login exists for this and
// is closed right after, so nothing that serves requests can reach it.
import { migrate, pgPool, type MigrateResult } from 'tenantry/postgres';
import type { PostgresServer } from './postgres-server.js';

/** How long to wait for a connection before reporting DATABASE_UNAVAILABLE (pg waits forever by default). */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Applies pending migrations and sets the login roles' passwords when the server has them.
 *
 * @example const { applied } = await migrateDatabase(server);
 */
export async function migrateDatabase(server: PostgresServer): Promise<MigrateResult> {
  const admin = pgPool({ connectionString: server.adminUrl, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'tenantry-migrate' });
  try {
    return await migrate({ admin, passwords: server.rolePasswords });
  } finally {
    await admin.end();
  }
}
