// Runs Tenantry's migrations with a short-lived admin pool: the admin login exists for this and
// is closed right after, so nothing that serves requests can reach it.
import { DEFAULT_ROLE_NAMES, migrate, roleUrl, type MigrateResult, type RolePasswords } from 'tenantry/postgres';
import { postgresAnswers } from 'tenantry/postgres/embedded';
import { pgPool } from 'tenantry/postgres/pg';
import type { PostgresServer } from './postgres-server.js';

/** How long to wait for a connection before reporting DATABASE_UNAVAILABLE (pg waits forever by default). */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Only the passwords a login does not already accept: every CLI command migrates, and setting
 * an unchanged password each time would be cluster-wide catalog writes for nothing (roles are
 * shared by every database of the cluster, so they also contend with other databases' migrations).
 */
async function passwordsToSet(server: PostgresServer): Promise<RolePasswords> {
  const entries = await Promise.all(
    (Object.entries(server.rolePasswords) as [keyof RolePasswords, string | undefined][]).map(async ([role, password]) => {
      if (password === undefined) return [];
      const works = await postgresAnswers(roleUrl(server.adminUrl, DEFAULT_ROLE_NAMES[role], password), CONNECT_TIMEOUT_MS);
      return works ? [] : [[role, password] as const];
    }),
  );
  return Object.fromEntries(entries.flat());
}

/**
 * Applies pending migrations and sets the login roles' passwords when they do not work yet.
 *
 * @example const { applied } = await migrateDatabase(server);
 */
export async function migrateDatabase(server: PostgresServer): Promise<MigrateResult> {
  const admin = pgPool({ connectionString: server.adminUrl, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'tenantry-migrate' });
  try {
    return await migrate({ admin, passwords: await passwordsToSet(server) });
  } finally {
    await admin.end();
  }
}
