// The fixture of the placement CLI suites: a test database with a placement directory (its
// application migration creates `notes`), and the CLI run against it as a child process.
import { inject } from 'vitest';
import { createTestPlacement, createTestTenantry, testMigration, type TestPlacement, type TestTenantry } from 'tenantry/testing';
import { runCli, type CliResult } from './cli.js';

export const NOTES_SQL = 'CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))';

export interface PlacementCliFixture {
  readonly t: TestTenantry;
  readonly p: TestPlacement;
  tenantry(...args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export async function placementCliFixture(): Promise<PlacementCliFixture> {
  const rolePasswords = inject('rolePasswords');
  const t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0 });
  const p = await createTestPlacement({ t, adminUrl: inject('adminUrl'), passwords: rolePasswords, migrations: [testMigration('0001', 'notes', NOTES_SQL)] });
  const env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
  return {
    t, p,
    tenantry: (...args) => runCli(args, env),
    async close() {
      await p.close();
      await t.close();
    },
  };
}
